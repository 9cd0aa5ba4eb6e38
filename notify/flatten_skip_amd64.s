//go:build amd64 && !purego

#include "textflag.h"
#include "flatten_scan_amd64.h"

// ·scanQuotes, ·scanBackslashes and ·scanControls are defined in
// flatten_scan_amd64.s.

// func scanValue(b []byte, i, mode int) (end, keyStart, keyEnd, status int)
//
// One pass over a whole JSON value with no call and no return per token:
// registers hold the position (CX), the open containers as a bit stack
// (R8, 1 = object) and its height (R9); R12 says whether the string being
// scanned is an object key. Anything unusual (an error, a \u escape, an
// exponent, a number over 300 bytes, nesting beyond 63, a key that is not
// plain ASCII) gives up: status 0 and end = i, and the Go loop decides
// from i. The modes (R11) and statuses are those of flatten_scan_amd64.go.
TEXT ·scanValue(SB), NOSPLIT, $0-72
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), DX
	MOVQ i+24(FP), CX
	MOVQ mode+32(FP), R11
	MOVQ CX, R13
	XORQ R8, R8
	XORQ R9, R9
	XORQ R12, R12
	MOVOU ·scanQuotes(SB), X1
	MOVOU ·scanBackslashes(SB), X2
	MOVOU ·scanControls(SB), X3
	CMPQ R11, $2
	JEQ  member

value:
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x20
	JA   dispatch
	JEQ  valueWS
	CMPL AX, $0x09
	JEQ  valueWS
	CMPL AX, $0x0a
	JEQ  valueWS
	CMPL AX, $0x0d
	JNE  bail

valueWS:
	INCQ CX
	JMP  value

dispatch:
	// AX holds b[CX], which is not whitespace.
	CMPL AX, $0x22
	JEQ  str
	CMPL AX, $0x7b
	JEQ  objOpen
	CMPL AX, $0x5b
	JEQ  arrOpen
	CMPL AX, $0x74
	JEQ  litTrue
	CMPL AX, $0x66
	JEQ  litFalse
	CMPL AX, $0x6e
	JEQ  litNull
	JMP  number

objOpen:
	CMPQ R9, $63
	JAE  bail
	SHLQ $1, R8
	ORQ  $1, R8
	INCQ R9
	INCQ CX

objFirst:
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x7d
	JEQ  closeAt
	CMPL AX, $0x22
	JEQ  keyQuote
	CMPL AX, $0x20
	JEQ  objFirstWS
	CMPL AX, $0x09
	JEQ  objFirstWS
	CMPL AX, $0x0a
	JEQ  objFirstWS
	CMPL AX, $0x0d
	JNE  bail

objFirstWS:
	INCQ CX
	JMP  objFirst

arrOpen:
	CMPQ R9, $63
	JAE  bail
	SHLQ $1, R8
	INCQ R9
	INCQ CX

arrFirst:
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x5d
	JEQ  closeAt
	CMPL AX, $0x20
	JA   dispatch
	JEQ  arrFirstWS
	CMPL AX, $0x09
	JEQ  arrFirstWS
	CMPL AX, $0x0a
	JEQ  arrFirstWS
	CMPL AX, $0x0d
	JNE  bail

arrFirstWS:
	INCQ CX
	JMP  arrFirst

closeAt:
	// b[CX] closes the innermost container (checked by the caller).
	INCQ CX
	SHRQ $1, R8
	DECQ R9

after:
	// A value ended at CX.
	TESTQ R9, R9
	JZ   done

afterWS:
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x2c
	JEQ  comma
	CMPL AX, $0x7d
	JEQ  closeObj
	CMPL AX, $0x5d
	JEQ  closeArr
	CMPL AX, $0x20
	JEQ  afterSkip
	CMPL AX, $0x09
	JEQ  afterSkip
	CMPL AX, $0x0a
	JEQ  afterSkip
	CMPL AX, $0x0d
	JNE  bail

afterSkip:
	INCQ CX
	JMP  afterWS

closeObj:
	BTQ  $0, R8
	JCC  bail
	JMP  closeAt

closeArr:
	BTQ  $0, R8
	JCS  bail
	JMP  closeAt

comma:
	INCQ CX
	BTQ  $0, R8
	JCC  value

key:
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x22
	JEQ  keyQuote
	CMPL AX, $0x20
	JEQ  keyWS
	CMPL AX, $0x09
	JEQ  keyWS
	CMPL AX, $0x0a
	JEQ  keyWS
	CMPL AX, $0x0d
	JNE  bail

keyWS:
	INCQ CX
	JMP  key

keyQuote:
	MOVL $1, R12

str:
	// CX is at the opening quote.
	INCQ CX

strBlock:
	LEAQ 16(CX), AX
	CMPQ AX, DX
	JA   strBytes
	MOVOU (SI)(CX*1), X0
	STOPS
	TESTL BX, BX
	JNZ  strFound
	MOVQ AX, CX
	JMP  strBlock

strFound:
	BSFL BX, BX
	ADDQ BX, CX
	MOVBLZX (SI)(CX*1), AX

strStop:
	// AX = b[CX], a quote, a backslash or a control byte.
	CMPL AX, $0x22
	JEQ  strEnd
	CMPL AX, $0x5c
	JNE  bail
	LEAQ 1(CX), BX
	CMPQ BX, DX
	JAE  bail
	MOVBLZX (SI)(BX*1), AX
	CMPL AX, $0x22
	JEQ  escOK
	CMPL AX, $0x5c
	JEQ  escOK
	CMPL AX, $0x2f
	JEQ  escOK
	CMPL AX, $0x62
	JEQ  escOK
	CMPL AX, $0x66
	JEQ  escOK
	CMPL AX, $0x6e
	JEQ  escOK
	CMPL AX, $0x72
	JEQ  escOK
	CMPL AX, $0x74
	JNE  bail

escOK:
	ADDQ $2, CX
	JMP  strBlock

strBytes:
	// Fewer than 16 bytes remain: byte by byte.
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x22
	JEQ  strStop
	CMPL AX, $0x5c
	JEQ  strStop
	CMPL AX, $0x20
	JB   bail
	INCQ CX
	JMP  strBytes

strEnd:
	INCQ CX
	TESTQ R12, R12
	JZ   after
	XORQ R12, R12

colon:
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x3a
	JEQ  colonFound
	CMPL AX, $0x20
	JEQ  colonWS
	CMPL AX, $0x09
	JEQ  colonWS
	CMPL AX, $0x0a
	JEQ  colonWS
	CMPL AX, $0x0d
	JNE  bail

colonWS:
	INCQ CX
	JMP  colon

colonFound:
	INCQ CX
	JMP  value

litTrue:
	LEAQ 4(CX), BX
	CMPQ BX, DX
	JA   bail
	CMPL (SI)(CX*1), $0x65757274 // "true"
	JNE  bail
	MOVQ BX, CX
	JMP  after

litFalse:
	LEAQ 5(CX), BX
	CMPQ BX, DX
	JA   bail
	CMPL 1(SI)(CX*1), $0x65736c61 // "alse"
	JNE  bail
	MOVQ BX, CX
	JMP  after

litNull:
	LEAQ 4(CX), BX
	CMPQ BX, DX
	JA   bail
	CMPL (SI)(CX*1), $0x6c6c756e // "null"
	JNE  bail
	MOVQ BX, CX
	JMP  after

number:
	// -?(0|[1-9][0-9]*)(\.[0-9]+)? ; an exponent gives up (only strconv
	// can say whether it fits a float64).
	MOVQ CX, R10
	CMPL AX, $0x2d
	JNE  numFirst
	INCQ CX
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX

numFirst:
	INCQ CX
	CMPL AX, $0x30
	JEQ  numFrac
	SUBL $0x31, AX
	CMPL AX, $8
	JA   bail

numInt:
	CMPQ CX, DX
	JAE  numEnd
	MOVBLZX (SI)(CX*1), AX
	SUBL $0x30, AX
	CMPL AX, $9
	JA   numFrac
	INCQ CX
	JMP  numInt

numFrac:
	CMPQ CX, DX
	JAE  numEnd
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x2e
	JNE  numExp
	INCQ CX
	MOVQ CX, BX

numFracDigits:
	CMPQ CX, DX
	JAE  numFracEnd
	MOVBLZX (SI)(CX*1), AX
	SUBL $0x30, AX
	CMPL AX, $9
	JA   numFracEnd
	INCQ CX
	JMP  numFracDigits

numFracEnd:
	CMPQ CX, BX
	JEQ  bail
	CMPQ CX, DX
	JAE  numEnd
	MOVBLZX (SI)(CX*1), AX

numExp:
	ORL  $0x20, AX
	CMPL AX, $0x65
	JEQ  bail

numEnd:
	MOVQ CX, AX
	SUBQ R10, AX
	CMPQ AX, $300
	JA   bail
	JMP  after

done:
	// The value at depth 0 ended at CX.
	TESTQ R11, R11
	JNZ  member
	MOVQ CX, end+40(FP)
	MOVQ $1, status+64(FP)
	RET

member:
	// After a member's value: ',' and the next key, or the '}'.
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x2c
	JEQ  memberComma
	CMPL AX, $0x7d
	JEQ  memberClose
	CMPL AX, $0x20
	JEQ  memberWS
	CMPL AX, $0x09
	JEQ  memberWS
	CMPL AX, $0x0a
	JEQ  memberWS
	CMPL AX, $0x0d
	JNE  bail

memberWS:
	INCQ CX
	JMP  member

memberClose:
	INCQ CX
	MOVQ CX, end+40(FP)
	MOVQ $2, status+64(FP)
	RET

memberComma:
	INCQ CX

mkQuote:
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x22
	JEQ  mkStart
	CMPL AX, $0x20
	JEQ  mkQuoteWS
	CMPL AX, $0x09
	JEQ  mkQuoteWS
	CMPL AX, $0x0a
	JEQ  mkQuoteWS
	CMPL AX, $0x0d
	JNE  bail

mkQuoteWS:
	INCQ CX
	JMP  mkQuote

mkStart:
	// The key must be plain: no escape and no byte above 0x7f (the Go
	// loop unquotes and checks UTF-8 otherwise).
	INCQ CX
	MOVQ CX, R10

mkBlock:
	LEAQ 16(CX), AX
	CMPQ AX, DX
	JA   mkBytes
	MOVOU (SI)(CX*1), X0
	PMOVMSKB X0, DI
	STOPS
	TESTL BX, BX
	JNZ  mkFound
	TESTL DI, DI
	JNZ  bail
	MOVQ AX, CX
	JMP  mkBlock

mkFound:
	// High lanes below the first stop: (stop & -stop) - 1.
	MOVL BX, AX
	NEGL AX
	ANDL BX, AX
	DECL AX
	ANDL AX, DI
	JNZ  bail
	BSFL BX, BX
	ADDQ BX, CX
	CMPB (SI)(CX*1), $0x22
	JNE  bail
	JMP  mkEnd

mkBytes:
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x22
	JEQ  mkEnd
	CMPL AX, $0x20
	JB   bail
	CMPL AX, $0x5c
	JEQ  bail
	CMPL AX, $0x80
	JAE  bail
	INCQ CX
	JMP  mkBytes

mkEnd:
	MOVQ R10, keyStart+48(FP)
	MOVQ CX, keyEnd+56(FP)
	INCQ CX

mkColon:
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x3a
	JEQ  mkValue
	CMPL AX, $0x20
	JEQ  mkColonWS
	CMPL AX, $0x09
	JEQ  mkColonWS
	CMPL AX, $0x0a
	JEQ  mkColonWS
	CMPL AX, $0x0d
	JNE  bail

mkColonWS:
	INCQ CX
	JMP  mkColon

mkValue:
	// Past ':' and the whitespace before the value, which must exist.
	INCQ CX
	CMPQ CX, DX
	JAE  bail
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x20
	JA   mkDone
	JEQ  mkValue
	CMPL AX, $0x09
	JEQ  mkValue
	CMPL AX, $0x0a
	JEQ  mkValue
	CMPL AX, $0x0d
	JEQ  mkValue

mkDone:
	MOVQ CX, end+40(FP)
	MOVQ $3, status+64(FP)
	RET

bail:
	MOVQ R13, end+40(FP)
	MOVQ $0, status+64(FP)
	RET
