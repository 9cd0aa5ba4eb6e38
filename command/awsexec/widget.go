package awsexec

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/opschat/opschat/chatops"
)

var _ chatops.MetricImager = (*Executor)(nil)

// widgetClientName keys the CloudWatch clients of MetricWidgetImage in the
// executor's client cache, apart from any registered service's.
const widgetClientName = "\x00metric-widget"

// MetricWidgetImage implements chatops.MetricImager: it renders req.Widget
// with cloudwatch:GetMetricWidgetImage as PNG, assuming req.RoleARN with
// req's session name, tags and session policies through the same cached
// credentials as commands (so AWS applies the channel's guardrails to it
// too), in req.Region (else the executor's default), within the executor's
// timeout. It does not need the CloudWatch table registered. Without a role
// it calls AWS as the base identity.
func (e *Executor) MetricWidgetImage(ctx context.Context, req chatops.GraphRequest) ([]byte, error) {
	if req.Widget == "" {
		return nil, errors.New("awsexec: metric widget image: empty widget")
	}
	region := firstNonEmpty(req.Region, e.base.Region, e.region)
	if region == "" {
		return nil, errors.New("awsexec: metric widget image: no region")
	}
	client, err := e.client(widgetService(), region, chatops.ExecRequest{
		RoleARN:       req.RoleARN,
		SessionName:   req.SessionName,
		SessionTags:   req.SessionTags,
		PolicyARNs:    req.PolicyARNs,
		SessionPolicy: req.SessionPolicy,
		Configuration: req.Configuration,
	})
	if err != nil {
		return nil, fmt.Errorf("awsexec: metric widget image: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	c, ok := client.(*cloudwatch.Client)
	if !ok {
		return nil, fmt.Errorf("awsexec: metric widget image: cached client is a %T", client)
	}
	out, err := c.GetMetricWidgetImage(ctx, &cloudwatch.GetMetricWidgetImageInput{
		MetricWidget: aws.String(req.Widget),
		OutputFormat: aws.String("png"),
	})
	if err != nil {
		return nil, fmt.Errorf("awsexec: metric widget image: %w", err)
	}
	return out.MetricWidgetImage, nil
}

// widgetService is the client factory MetricWidgetImage hands to the
// executor's client cache: a table with no operations, under a name no
// CLI service has, so its clients never mix with a registered service's.
func widgetService() *Service {
	return &Service{Name: widgetClientName, newClient: func(cfg aws.Config) any { return cloudwatch.NewFromConfig(cfg) }}
}
