#!/usr/bin/env python3
"""Regenerates shorthand_conformance.jsonl from the AWS CLI's own parser.

Run: python3 testdata/gen_shorthand.py > testdata/shorthand_conformance.jsonl
(needs awscli installed; the Go test only reads the output file). Each line is
{"in": input, "out": parsed value} or {"in": input, "err": true}.
"""
import json
import random

import awscli
from awscli.shorthand import ShorthandParser

HAND = [
    "a=b", "a=b,c", "a=b,c=d", "a=b,c,d=e,f", "foo=a,b,c=d,e=f", "a=", "a=,b=c",
    "Name=tag:env,Values=prod,dev", "Key=[a,b]", "a=[]", "a=[ ]", "a=[a, b , c]",
    "a={b=c,d=e}", "a={b=[1,2],c={d=e}}", "a=[{b=c},{d=e}]", "a=[[a,b],[c]]",
    "a='b,c'", 'a="b,c"', "a='it\\'s'", 'a="say \\"hi\\""', "a='x\\\\y'", 'a="x\\\\y"',
    "a=b\\,c", "a=b\\,c,d", "a = b", "a= b ,c = d", "a=b ", "a=b  ,  c", "a=with space",
    "a=x=y", "a=b,c=d=e", "a=1,a=2", "a={b=c,b=d}", "a", "=b", "a=b,", "a=b,,c=d",
    "a=[", "a={", "a=[a", "a={b=c", "a=[a,]", "a={b=c,}", "a='unterminated",
    "a='x\\'", "a='x\\'y", 'a="x\\"', "a=b'c", "a=[a b]", "a={b}", "a=]", "a=}",
    "a.b=c", "a-b_c#d/e:f=g", "a@=b", "a @ = b", "a@=[x,y]", "a={b@=c}",
    "a=\u00e9t\u00e9", "a=\U0001F600", "a=x\U0001F600", "a=b\tc", "a=b\n,c=d",
    "Values=[a,b],Name=x", "a=[{b=[c,d]}]", "a=(1+2)", "a=!#$%&()*+-./:;<>?@",
    "a=b]", "a=b}", "a=[b]]", "a=b,[c]", "a=b,{c}", "a=b,'c'", "a=b,\"c\"",
    "a=b,'c'd", "x='y,z'e=f", "a=b,c d,e", "a=b, c=d", "a=b ,c", "a=\\", "a=\\\\,",
]

ALPHABET = list("ab=,[]{}'\"\\ @.:-_") + ["\t", "\n", "x", "Key", "Values", "\u00e9", "=", ",", "\\,"]


def rand_input(rng):
    n = rng.randint(1, 14)
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def rand_struct(rng, depth=0):
    parts = []
    for _ in range(rng.randint(1, 3)):
        k = rng.choice(["a", "b", "Name", "Values", "k.1", "x-y"])
        parts.append(k + rng.choice(["=", "=", " = ", "@="]) + rand_value(rng, depth))
    return ",".join(parts)


def rand_value(rng, depth):
    c = rng.randint(0, 7 if depth < 2 else 4)
    words = ["v", "a b", "", "'q,r'", '"q\\"r"', "x\\,y", "1", " s "]
    if c <= 2:
        return rng.choice(words)
    if c <= 4:
        return ",".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
    if c <= 6:
        return "[" + ", ".join(rand_value(rng, depth + 1) for _ in range(rng.randint(0, 3))) + "]"
    return "{" + rand_struct(rng, depth + 1) + "}"


def main():
    rng = random.Random(20261124)
    inputs = list(HAND)
    inputs += [rand_input(rng) for _ in range(600)]
    inputs += [rand_struct(rng) for _ in range(600)]
    seen = set()
    p = ShorthandParser()
    for s in inputs:
        if s in seen or "file" in s:
            continue
        seen.add(s)
        try:
            out = p.parse(s)
        except Exception:  # every rejection counts, whatever its class
            print(json.dumps({"in": s, "err": True}, ensure_ascii=False))
            continue
        print(json.dumps({"in": s, "out": out}, ensure_ascii=False))


if __name__ == "__main__":
    main()
