// Shared by the SSE2 scans of flatten_scan_amd64.s and flatten_skip_amd64.s.

// STOPS sets BX to the stop lanes of the 16 bytes in X0:
// (X0 == '"') | (X0 == '\\') | (min(X0, 0x1f) == X0). X1-X3 hold the
// broadcast '"', '\\' and 0x1f; X4 and X5 are scratch.
#define STOPS \
	MOVOU X0, X4; \
	PCMPEQB X1, X4; \
	MOVOU X0, X5; \
	PCMPEQB X2, X5; \
	POR X5, X4; \
	MOVOU X0, X5; \
	PMINUB X3, X5; \
	PCMPEQB X0, X5; \
	POR X5, X4; \
	PMOVMSKB X4, BX
