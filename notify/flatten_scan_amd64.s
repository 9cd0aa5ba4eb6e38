//go:build amd64 && !purego

#include "textflag.h"
#include "flatten_scan_amd64.h"

DATA ·scanQuotes+0(SB)/8, $0x2222222222222222
DATA ·scanQuotes+8(SB)/8, $0x2222222222222222
GLOBL ·scanQuotes(SB), RODATA|NOPTR, $16

DATA ·scanBackslashes+0(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA ·scanBackslashes+8(SB)/8, $0x5c5c5c5c5c5c5c5c
GLOBL ·scanBackslashes(SB), RODATA|NOPTR, $16

DATA ·scanControls+0(SB)/8, $0x1f1f1f1f1f1f1f1f
DATA ·scanControls+8(SB)/8, $0x1f1f1f1f1f1f1f1f
GLOBL ·scanControls(SB), RODATA|NOPTR, $16

// CLASSIFY sets BX to the stop lanes of X0 (STOPS) and R9 to its high
// lanes (sign bits).
#define CLASSIFY \
	PMOVMSKB X0, R9; \
	STOPS

// func stringStop(b []byte, i int) (stop int, high bool)
TEXT ·stringStop(SB), NOSPLIT, $0-41
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), DX
	MOVQ i+24(FP), CX
	XORL R8, R8                // high lanes seen so far
	CMPQ CX, DX
	JAE  none
	MOVOU ·scanQuotes(SB), X1
	MOVOU ·scanBackslashes(SB), X2
	MOVOU ·scanControls(SB), X3

block:
	LEAQ 16(CX), AX
	CMPQ AX, DX
	JA   tail
	MOVOU (SI)(CX*1), X0
	CLASSIFY
	TESTL BX, BX
	JNZ  found
	ORL  R9, R8
	MOVQ AX, CX
	JMP  block

found:
	// Keep the high lanes below the first stop: (stop & -stop) - 1.
	MOVL BX, R10
	NEGL R10
	ANDL BX, R10
	DECL R10
	ANDL R10, R9
	ORL  R9, R8
	BSFL BX, BX
	ADDQ BX, CX
	MOVQ CX, stop+32(FP)
	TESTL R8, R8
	SETNE high+40(FP)
	RET

tail:
	// Fewer than 16 bytes remain. When b has 16 at all, test the last 16
	// of b and drop the lanes before i; else go byte by byte.
	CMPQ DX, $16
	JB   bytes
	MOVOU -16(SI)(DX*1), X0
	CLASSIFY
	// The block starts at len-16; lanes below i-(len-16) are done.
	MOVQ CX, R11
	MOVQ DX, CX
	SUBQ R11, CX               // remaining
	NEGQ CX
	ADDQ $16, CX               // lanes to drop
	SHRL CX, BX
	SHRL CX, R9
	MOVQ R11, CX
	TESTL BX, BX
	JNZ  found
	ORL  R9, R8
	JMP  none

bytes:
	CMPQ CX, DX
	JAE  none
	MOVBLZX (SI)(CX*1), AX
	CMPL AX, $0x22
	JEQ  byteStop
	CMPL AX, $0x5c
	JEQ  byteStop
	CMPL AX, $0x20
	JB   byteStop
	CMPL AX, $0x80
	JB   byteNext
	ORL  $1, R8

byteNext:
	INCQ CX
	JMP  bytes

byteStop:
	MOVQ CX, stop+32(FP)
	TESTL R8, R8
	SETNE high+40(FP)
	RET

none:
	MOVQ DX, stop+32(FP)
	TESTL R8, R8
	SETNE high+40(FP)
	RET
