package awsexec

//go:generate go run ../../cmd/opschat-gen -out services -existing -allpkg all -shippedpkg shipped
