package awsexec

//go:generate go run ./internal/gen -out services
