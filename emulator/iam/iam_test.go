package iam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shopstream/shopstream/emulator/iam"
	"github.com/shopstream/shopstream/emulator/stack"
)

func TestCreate(t *testing.T) {
	doc := map[string]any{"Version": "2012-10-17"}
	tests := []struct {
		typ     string
		props   map[string]any
		ref     string // exact, or prefix when it ends in "*"
		attrs   map[string]string
		wantErr string
	}{
		{typ: "AWS::IAM::Role", props: map[string]any{"AssumeRolePolicyDocument": doc, "RoleName": "checkout"},
			ref: "checkout", attrs: map[string]string{"Arn": "arn:aws:iam::000000000000:role/checkout", "RoleId": "AROA*"}},
		{typ: "AWS::IAM::Role", props: map[string]any{"AssumeRolePolicyDocument": doc},
			ref: "Shop-Thing-*", attrs: map[string]string{"Arn": "arn:aws:iam::000000000000:role/Shop-Thing-*"}},
		{typ: "AWS::IAM::Role", props: map[string]any{}, wantErr: "AssumeRolePolicyDocument: required"},
		{typ: "AWS::IAM::Policy", props: map[string]any{"PolicyDocument": doc, "PolicyName": "p"}, ref: "*"},
		{typ: "AWS::IAM::Policy", props: map[string]any{}, wantErr: "PolicyDocument: required"},
		{typ: "AWS::IAM::ManagedPolicy", props: map[string]any{"PolicyDocument": doc, "ManagedPolicyName": "mp"},
			ref: "arn:aws:iam::000000000000:policy/mp", attrs: map[string]string{"PolicyArn": "arn:aws:iam::000000000000:policy/mp"}},
		{typ: "AWS::KMS::Key", props: map[string]any{}, ref: "*", attrs: map[string]string{"Arn": "arn:aws:kms:us-east-1:000000000000:key/*"}},
		{typ: "AWS::KMS::Alias", props: map[string]any{"AliasName": "alias/shop"}, ref: "alias/shop"},
		{typ: "AWS::KMS::Alias", props: map[string]any{"AliasName": "shop"}, wantErr: `must begin with "alias/"`},
		{typ: "AWS::SSM::Parameter", props: map[string]any{"Name": "/shop/x", "Type": "String", "Value": "v"},
			ref: "/shop/x", attrs: map[string]string{"Value": "v", "Type": "String"}},
	}
	p := iam.New()
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			c, err := p.Create(context.Background(), stack.Resource{LogicalID: "Thing", Type: tt.typ, Properties: tt.props, StackName: "Shop"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !match(c.Ref, tt.ref) {
				t.Errorf("Ref = %q, want %q", c.Ref, tt.ref)
			}
			for k, want := range tt.attrs {
				got, _ := c.Attrs[k].(string)
				if !match(got, want) {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// match compares exactly, or by prefix when want ends in "*" (the rest is
// a derived id); an empty value never matches.
func match(got, want string) bool {
	if p, ok := strings.CutSuffix(want, "*"); ok {
		return got != "" && strings.HasPrefix(got, p)
	}
	return got == want
}

func TestStableAcrossRestarts(t *testing.T) {
	r := stack.Resource{LogicalID: "Key", Type: "AWS::KMS::Key", Properties: map[string]any{}, StackName: "Shop"}
	a, _ := iam.New().Create(context.Background(), r)
	b, _ := iam.New().Create(context.Background(), r)
	if a.Ref != b.Ref || a.Attrs["Arn"] != b.Attrs["Arn"] {
		t.Errorf("ids differ between runs: %v vs %v", a, b)
	}
}
