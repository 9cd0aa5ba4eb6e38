package awssim

import (
	"net/http"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"
)

// write encodes the reply or error for the request's protocol and returns
// the status written.
func (s *Server) write(w http.ResponseWriter, r *Request, reqID string, rep *reply, err error) int {
	h := w.Header()
	h.Set("X-Amzn-RequestId", reqID)
	h.Set("X-Amz-Request-Id", reqID)
	if err != nil {
		return s.writeError(w, r, reqID, err)
	}
	for k, vs := range rep.header {
		h[k] = vs
	}
	status := rep.status
	if status == 0 {
		status = http.StatusOK
	}
	var body []byte
	switch {
	case rep.raw != nil:
		body = rep.raw
	case r.Protocol == ProtocolCBOR:
		h.Set("Content-Type", "application/cbor")
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
		res := rep.result
		if res == nil {
			res = obj{}
		}
		body = appendCBOR(make([]byte, 0, 512), res)
	case r.Protocol == ProtocolJSON10 || r.Protocol == ProtocolJSON11:
		h.Set("Content-Type", "application/x-amz-json-"+strings.TrimPrefix(strings.ReplaceAll(string(r.Protocol), "_", "."), "awsJson"))
		res := rep.result
		if res == nil {
			res = obj{}
		}
		body = encodeJSON(res)
	case r.Protocol == ProtocolQuery:
		h.Set("Content-Type", "text/xml")
		body = queryXML(r.Operation, queryNamespace(r.Service), reqID, rep.result)
	case r.Protocol == ProtocolEC2Query:
		h.Set("Content-Type", "text/xml;charset=UTF-8")
		body = ec2XML(r.Operation, reqID, rep.result)
	case r.Protocol == ProtocolRESTJSON:
		h.Set("Content-Type", "application/json")
		res := rep.result
		if res == nil {
			res = obj{}
		}
		body = encodeJSON(res)
	case r.Protocol == ProtocolRESTXML:
		if rep.result != nil {
			h.Set("Content-Type", "application/xml")
			root := rep.xmlRoot
			if root == "" {
				root = r.Operation + "Output"
			}
			body = restXML(root, rep.result)
		}
	}
	if r.Method == http.MethodHead {
		body = nil
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

func (s *Server) writeError(w http.ResponseWriter, r *Request, reqID string, err error) int {
	ae, ok := err.(*APIError)
	if !ok {
		ae = apiErr(http.StatusInternalServerError, "InternalFailure", "%v", err)
	}
	if ae.Status == 0 {
		ae.Status = http.StatusBadRequest
	}
	h := w.Header()
	fault := "Sender"
	if ae.Status >= 500 {
		fault = "Receiver"
	}
	var body []byte
	switch r.Protocol {
	case ProtocolCBOR:
		h.Set("Content-Type", "application/cbor")
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
		h.Set("X-Amzn-Query-Error", ae.Code+";"+fault)
		body = cbor.Encode(cbor.Map{"__type": cbor.String(ae.Code), "message": cbor.String(ae.Message)})
	case ProtocolJSON10, ProtocolJSON11:
		h.Set("Content-Type", "application/x-amz-json-"+strings.TrimPrefix(strings.ReplaceAll(string(r.Protocol), "_", "."), "awsJson"))
		h.Set("X-Amzn-ErrorType", ae.Code)
		h.Set("X-Amzn-Query-Error", ae.Code+";"+fault)
		body = encodeJSON(obj{"__type": ae.Code, "message": ae.Message})
	case ProtocolRESTJSON:
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-ErrorType", ae.Code)
		body = encodeJSON(obj{"Type": "User", "message": ae.Message, "Message": ae.Message})
	case ProtocolEC2Query:
		h.Set("Content-Type", "text/xml;charset=UTF-8")
		w := &xmlWriter{}
		w.buf.WriteString("<Response><Errors><Error><Code>")
		w.text(ae.Code)
		w.buf.WriteString("</Code><Message>")
		w.text(ae.Message)
		w.buf.WriteString("</Message></Error></Errors><RequestID>" + reqID + "</RequestID></Response>")
		body = w.buf.Bytes()
	case ProtocolRESTXML:
		h.Set("Content-Type", "application/xml")
		w := &xmlWriter{}
		w.buf.WriteString("<Error><Code>")
		w.text(ae.Code)
		w.buf.WriteString("</Code><Message>")
		w.text(ae.Message)
		w.buf.WriteString("</Message><RequestId>" + reqID + "</RequestId></Error>")
		body = w.buf.Bytes()
	default: // query, and requests the server could not classify
		h.Set("Content-Type", "text/xml")
		w := &xmlWriter{}
		w.buf.WriteString(`<ErrorResponse xmlns="` + queryNamespace(r.Service) + `"><Error><Type>` + fault + `</Type><Code>`)
		w.text(ae.Code)
		w.buf.WriteString("</Code><Message>")
		w.text(ae.Message)
		w.buf.WriteString("</Message></Error><RequestId>" + reqID + "</RequestId></ErrorResponse>")
		body = w.buf.Bytes()
	}
	if r.Method == http.MethodHead {
		body = nil
	}
	w.WriteHeader(ae.Status)
	_, _ = w.Write(body)
	return ae.Status
}
