package snshttp_test

import (
	"testing"
	"time"
)

// FuzzServeHTTP feeds arbitrary bodies to the endpoint: it must never panic,
// never pass an unverified message on, and only answer with the statuses it
// documents.
func FuzzServeHTTP(f *testing.F) {
	good, _ := getPKI(f)
	f.Add(mustJSON(f, sign(f, good.key, notification("1"))))
	f.Add(mustJSON(f, sign(f, good.key, notification("2"))))
	f.Add(mustJSON(f, sign(f, good.key, confirmation("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"))))
	f.Add([]byte(`{"Type":"Notification","MessageId":"x","TopicArn":"arn:aws:sns:us-east-1:1:t","Timestamp":"` + now.Format(time.RFC3339) + `","SignatureVersion":"1","Signature":"AAAA","SigningCertURL":"https://sns.us-east-1.amazonaws.com/a.pem"}`))
	f.Add([]byte(`{"Type":"Notification","MessageId":null,"TopicArn":"arn:aws:sns:::"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fx := newFixture(t)
		code := fx.post(t, body, "")
		switch code {
		case 200, 400, 403, 413, 500, 502:
		default:
			t.Fatalf("unexpected status %d", code)
		}
		if code != 200 && fx.next.count() != 0 {
			t.Fatalf("rejected message reached the handler")
		}
	})
}
