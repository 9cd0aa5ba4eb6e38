// Package clijson encodes the CLI-shaped result tree of a chat command as
// JSON, byte for byte what encoding/json writes, without reflection.
//
// command/awsexec turns every SDK output into a tree of map[string]any,
// []any, string, float64, bool and nil (Service.CLIShape), then encodes it
// once compactly for chatops.ExecResult.Data and once indented for
// --output json and the attached output.json. encoding/json spends most of
// that time reflecting over maps, boxing values and allocating and sorting
// a key slice per map. Append and AppendIndent walk the tree with a type
// switch, write into a pooled buffer, escape strings a word at a time, and
// sort and escape the keys of a record once per call: the maps found under
// one member name (the records of a list) usually have the same keys, so
// the next one is checked against the last one's sorted keys with one
// lookup per key and written in that order.
//
// The output is identical to encoding/json's, errors included: HTML
// escaping, U+2028/U+2029, invalid UTF-8 as \ufffd, float formatting,
// *json.UnsupportedValueError for NaN and ±Inf, nil maps and slices as
// null. Values of any other type (structs, json.Marshaler, typed maps,
// time.Time, ...) are encoded by encoding/json where they stand. A tree
// deeper than 1000 containers, or one where encoding/json reports a cycle,
// is handed to encoding/json as a whole so that its depth rules and error
// messages apply unchanged (a json.Marshaler in such a tree is then called
// twice); the fast path therefore never recurses deeper than 1000 levels.
//
// Append and AppendIndent are safe for concurrent use and do not block;
// they never modify the tree. The only shared value is a sync.Pool of
// scratch buffers, which keeps no reference to a caller's strings between
// calls.
package clijson
