#!/usr/bin/env python3
"""Regenerates args_conformance.json: how the AWS CLI unpacks parameter values.

Run: python3 testdata/gen_args.py > testdata/args_conformance.json
(needs awscli and botocore installed; the Go test only reads the output). For
each case the CLI's own argument processing (ParamShorthandParser, then
unpack_cli_arg) runs on the words as argparse would hand them over, against
botocore's real service model.
"""
import decimal
import json

import botocore.session
from awscli.argprocess import ParamShorthandParser, unpack_cli_arg
from awscli.arguments import CLIArgument

CASES = [
    ("ec2", "describe-instances", "DescribeInstances", "Filters", "filters",
     [["Name=tag:env,Values=prod,dev", "Name=instance-state-name,Values=running"],
      ["Name=x,Values=[a, b]"], ["Values=a"], ['[{"Name": "x", "Values": ["y"]}]'],
      ['{"Name": "x", "Values": ["y"]}', '{"Name": "z", "Values": ["w"]}'], ["Name='a,b',Values=c"],
      ["Name=x,Values=a\\,b,c"]]),
    ("ec2", "describe-instances", "DescribeInstances", "InstanceIds", "instance-ids",
     [["i-1", "i-2"], ['["i-1", "i-2"]'], ["i-1,i-2"]]),
    ("ec2", "modify-instance-attribute", "ModifyInstanceAttribute", "InstanceInitiatedShutdownBehavior",
     "instance-initiated-shutdown-behavior", [["stop"], ["Value=stop"], ['{"Value": "terminate"}']]),
    ("dynamodb", "update-table", "UpdateTable", "ProvisionedThroughput", "provisioned-throughput",
     [["ReadCapacityUnits=5,WriteCapacityUnits=10"], ['{"ReadCapacityUnits": 5, "WriteCapacityUnits": 10}'],
      ["ReadCapacityUnits = 5 , WriteCapacityUnits = 10"]]),
    ("ssm", "start-automation-execution", "StartAutomationExecution", "Parameters", "parameters",
     [["AutomationAssumeRole=arn:aws:iam::1:role/x,SourceAmiId=ami-1"], ["a=b,c"], ["a=[b,c],d=e"],
      ['{"AutomationAssumeRole": ["arn:aws:iam::1:role/x"]}']]),
    ("cloudwatch", "get-metric-statistics", "GetMetricStatistics", "Dimensions", "dimensions",
     [["Name=InstanceId,Value=i-1", "Name=AutoScalingGroupName,Value=asg"], ['[{"Name": "a", "Value": "b"}]']]),
    ("cloudwatch", "describe-alarms", "DescribeAlarms", "MaxRecords", "max-records", [["5"], [" 42"]]),
    ("cloudwatch", "describe-alarms", "DescribeAlarms", "AlarmNames", "alarm-names", [["a", "b c"], ['["x"]']]),
]


def default(o):
    if isinstance(o, decimal.Decimal):
        return float(o)
    raise TypeError(type(o))


def main():
    session = botocore.session.get_session()
    parser = ParamShorthandParser()
    out = []
    for service, cli_op, api_op, member, cli_name, values in CASES:
        op = session.get_service_model(service).operation_model(api_op)
        shape = op.input_shape.members[member]
        arg = CLIArgument(cli_name, shape, op, session.get_component("event_emitter"))
        for words in values:
            value = words if shape.type_name == "list" else words[0]
            event = "process-cli-arg.%s.%s" % (service, cli_op)
            parsed = parser(arg, value, event)
            if parsed is None:
                parsed = unpack_cli_arg(arg, value)
            out.append({"service": service, "operation": cli_op, "param": cli_name,
                        "words": words, "want": parsed})
    print(json.dumps(out, indent=1, default=default))


if __name__ == "__main__":
    main()
