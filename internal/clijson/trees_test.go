package clijson_test

import (
	"fmt"
	"time"
)

// The trees below have the shape command/awsexec's CLIShape gives the
// quickstart's answers: member names as the API spells them, numbers as
// float64, timestamps as the CLI's ISO 8601 strings, empty lists kept.

var epoch = time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC)

func stamp(d time.Duration) string {
	return epoch.Add(d).Format("2006-01-02T15:04:05.000000-07:00")
}

// describeAlarms is `aws cloudwatch describe-alarms` with n metric alarms.
func describeAlarms(n int) map[string]any {
	alarms := make([]any, 0, n)
	for i := range n {
		name := fmt.Sprintf("web-%d-cpu-high", i)
		alarms = append(alarms, map[string]any{
			"AlarmName":                          name,
			"AlarmArn":                           "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name,
			"AlarmDescription":                   "CPU > 80% for 5 minutes on the web tier & its canary",
			"AlarmConfigurationUpdatedTimestamp": stamp(-72 * time.Hour),
			"ActionsEnabled":                     true,
			"OKActions":                          []any{},
			"AlarmActions":                       []any{"arn:aws:sns:us-east-1:123456789012:ops-alerts"},
			"InsufficientDataActions":            []any{},
			"StateValue":                         "ALARM",
			"StateReason":                        "Threshold Crossed: 1 out of the last 1 datapoints [95.52 (06/12/26 13:55:00)] was greater than the threshold (80.0) (minimum 1 datapoint for OK -> ALARM transition).",
			"StateReasonData":                    `{"version":"1.0","queryDate":"2026-12-06T14:00:00.000+0000","startDate":"2026-12-06T13:55:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[95.52],"threshold":80.0,"evaluatedDatapoints":[{"timestamp":"2026-12-06T13:55:00.000+0000","sampleCount":5.0,"value":95.52}]}`,
			"StateUpdatedTimestamp":              stamp(-5 * time.Minute),
			"StateTransitionedTimestamp":         stamp(-5 * time.Minute),
			"MetricName":                         "CPUUtilization",
			"Namespace":                          "AWS/EC2",
			"Statistic":                          "Average",
			"Dimensions": []any{
				map[string]any{"Name": "InstanceId", "Value": fmt.Sprintf("i-0abc%012d", i)},
				map[string]any{"Name": "AutoScalingGroupName", "Value": "web-asg"},
			},
			"Period":             300.0,
			"EvaluationPeriods":  1.0,
			"DatapointsToAlarm":  1.0,
			"Threshold":          80.0,
			"ComparisonOperator": "GreaterThanThreshold",
			"TreatMissingData":   "missing",
			"Unit":               "Percent",
			"Metrics":            []any{},
		})
	}
	return map[string]any{"MetricAlarms": alarms, "CompositeAlarms": []any{}}
}

// describeInstances is `aws ec2 describe-instances` with n reservations of
// one instance each.
func describeInstances(n int) map[string]any {
	reservations := make([]any, 0, n)
	for i := range n {
		id := fmt.Sprintf("i-%017x", 0xabc000+i)
		ip := fmt.Sprintf("10.0.%d.%d", i/250, i%250+4)
		dns := "ip-" + ip + ".ec2.internal"
		instance := map[string]any{
			"AmiLaunchIndex": 0.0,
			"ImageId":        "ami-0123456789abcdef0",
			"InstanceId":     id,
			"InstanceType":   "t3.micro",
			"KeyName":        "ops",
			"LaunchTime":     stamp(-time.Duration(i) * time.Hour),
			"Monitoring":     map[string]any{"State": "disabled"},
			"Placement":      map[string]any{"AvailabilityZone": "us-east-1a", "GroupName": "", "Tenancy": "default"},
			"PrivateDnsName": dns, "PrivateIpAddress": ip,
			"ProductCodes":          []any{},
			"PublicDnsName":         "",
			"State":                 map[string]any{"Code": 16.0, "Name": "running"},
			"StateTransitionReason": "",
			"SubnetId":              "subnet-0123456789abcdef0",
			"VpcId":                 "vpc-0123456789abcdef0",
			"Architecture":          "x86_64",
			"BlockDeviceMappings": []any{map[string]any{
				"DeviceName": "/dev/xvda",
				"Ebs": map[string]any{
					"AttachTime": stamp(-time.Duration(i) * time.Hour), "DeleteOnTermination": true,
					"Status": "attached", "VolumeId": fmt.Sprintf("vol-%017x", i),
				},
			}},
			"ClientToken":  "",
			"EbsOptimized": false,
			"EnaSupport":   true,
			"Hypervisor":   "xen",
			"NetworkInterfaces": []any{map[string]any{
				"Attachment": map[string]any{
					"AttachTime": stamp(-time.Duration(i) * time.Hour), "AttachmentId": fmt.Sprintf("eni-attach-%017x", i),
					"DeleteOnTermination": true, "DeviceIndex": 0.0, "Status": "attached", "NetworkCardIndex": 0.0,
				},
				"Description":        "",
				"Groups":             []any{map[string]any{"GroupName": "web", "GroupId": "sg-0123456789abcdef0"}},
				"Ipv6Addresses":      []any{},
				"MacAddress":         "0a:1b:2c:3d:4e:5f",
				"NetworkInterfaceId": fmt.Sprintf("eni-%017x", i),
				"OwnerId":            "123456789012",
				"PrivateDnsName":     dns,
				"PrivateIpAddress":   ip,
				"PrivateIpAddresses": []any{map[string]any{"Primary": true, "PrivateDnsName": dns, "PrivateIpAddress": ip}},
				"SourceDestCheck":    true,
				"Status":             "in-use",
				"SubnetId":           "subnet-0123456789abcdef0",
				"VpcId":              "vpc-0123456789abcdef0",
				"InterfaceType":      "interface",
			}},
			"RootDeviceName":                   "/dev/xvda",
			"RootDeviceType":                   "ebs",
			"SecurityGroups":                   []any{map[string]any{"GroupName": "web", "GroupId": "sg-0123456789abcdef0"}},
			"SourceDestCheck":                  true,
			"Tags":                             []any{map[string]any{"Key": "Name", "Value": fmt.Sprintf("web-%d", i)}, map[string]any{"Key": "team", "Value": "ops & sre"}},
			"VirtualizationType":               "hvm",
			"CpuOptions":                       map[string]any{"CoreCount": 1.0, "ThreadsPerCore": 2.0},
			"CapacityReservationSpecification": map[string]any{"CapacityReservationPreference": "open"},
			"HibernationOptions":               map[string]any{"Configured": false},
			"MetadataOptions": map[string]any{
				"State": "applied", "HttpTokens": "required", "HttpPutResponseHopLimit": 2.0,
				"HttpEndpoint": "enabled", "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled",
			},
			"EnclaveOptions":           map[string]any{"Enabled": false},
			"PlatformDetails":          "Linux/UNIX",
			"UsageOperation":           "RunInstances",
			"UsageOperationUpdateTime": stamp(-time.Duration(i) * time.Hour),
			"PrivateDnsNameOptions": map[string]any{
				"HostnameType": "ip-name", "EnableResourceNameDnsARecord": false, "EnableResourceNameDnsAAAARecord": false,
			},
			"MaintenanceOptions":      map[string]any{"AutoRecovery": "default"},
			"CurrentInstanceBootMode": "legacy-bios",
		}
		reservations = append(reservations, map[string]any{
			"Groups":        []any{},
			"Instances":     []any{instance},
			"OwnerId":       "123456789012",
			"ReservationId": fmt.Sprintf("r-%017x", i),
		})
	}
	return map[string]any{"Reservations": reservations}
}
