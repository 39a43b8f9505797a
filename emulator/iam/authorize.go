package iam

import (
	"context"
	"strconv"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/iam/policy"
)

// Authorize implements awsapi.Authorizer with AWS's evaluation logic for
// requests within one account:
//
//   - A role session (issued credentials, a resource's role, a function's
//     execution role) is evaluated against the role's identity-based
//     policies and the resource's resource-based policy (a function's
//     Lambda permissions, a queue's policy): an explicit Deny in either
//     denies, otherwise an Allow in either allows.
//   - A service principal acting for a resource (events.amazonaws.com for
//     a rule) needs an Allow in the resource's resource-based policy.
//   - A role the template does not define is not checked (its policies are
//     unknown locally): a notice says so once.
//
// Permissions boundaries, session policies, SCPs/RCPs and trust policies
// are not evaluated. A denial is logged (role, action, resource, reason)
// and returned as an AccessDeniedException worded as AWS words it.
func (s *Service) Authorize(_ context.Context, p awsapi.Principal, action, resource string, conds awsapi.Conditions) error {
	cx := s.context(conds)
	if p.Function != "" {
		base, _ := functionARN(p.Function)
		s.mu.RLock()
		fn, ok := s.functions[base]
		s.mu.RUnlock()
		if !ok || fn.role == "" {
			s.notice("function/"+base, "function "+base+" has no execution role in the template: calls made for it are not checked")
			return nil
		}
		p = awsapi.Principal{RoleARN: fn.role, Session: fn.name}
	}
	switch {
	case p.RoleARN != "":
		return s.authorizeRole(p, action, resource, cx)
	case p.Service != "":
		return s.authorizeService(p, action, resource, cx)
	}
	return nil
}

// context holds the global condition keys every request has, and the
// request's own.
func (s *Service) context(conds awsapi.Conditions) policy.Context {
	now := s.opts.Now().UTC()
	cx := policy.Context{}
	// The loopback endpoint stands in for AWS's TLS endpoints: a queue
	// policy denying aws:SecureTransport false must not deny local calls.
	cx.Set("aws:SecureTransport", "true")
	cx.Set("aws:RequestedRegion", awsapi.Region)
	cx.Set("aws:CurrentTime", now.Format(time.RFC3339))
	cx.Set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	for k, v := range conds {
		cx.Set(k, v...)
	}
	return cx
}

func (s *Service) authorizeRole(p awsapi.Principal, action, resource string, cx policy.Context) error {
	s.mu.RLock()
	ro := s.roles[p.RoleARN]
	var identity []*policy.Policy
	if ro != nil {
		identity = s.identityPolicies(ro)
	}
	s.mu.RUnlock()
	if ro == nil {
		s.notice("role/"+p.RoleARN, "role "+p.RoleARN+" is not defined in the template: calls made with it are not checked")
		return nil
	}
	session := "arn:aws:sts::" + awsapi.AccountID + ":assumed-role/" + ro.name + "/" + p.Session
	cx.Set("aws:PrincipalArn", ro.arn)
	cx.Set("aws:PrincipalAccount", awsapi.AccountID)
	cx.Set("aws:PrincipalType", "AssumedRole")
	cx.Set("aws:userid", ro.id+":"+p.Session)
	cx.Set("aws:ViaAWSService", "false")
	if t := s.issuedAt(ro.arn, p.Session); !t.IsZero() {
		cx.Set("aws:TokenIssueTime", t.UTC().Format(time.RFC3339))
	}
	for k, v := range ro.tags {
		cx.Set("aws:PrincipalTag/"+k, v)
	}
	req := &policy.Request{Action: action, Resource: resource, Context: cx}
	idDecision, _ := policy.Evaluate(req, identity...)
	resDecision := policy.ImplicitDeny
	if rps := s.resourcePolicies(resource); len(rps) > 0 {
		rreq := *req
		rreq.Principal = &policy.Principal{AWS: []string{ro.arn, session}, Account: awsapi.AccountID}
		resDecision, _ = policy.Evaluate(&rreq, rps...)
	}
	var why string
	switch {
	case idDecision == policy.ExplicitDeny:
		why = "with an explicit deny in an identity-based policy"
	case resDecision == policy.ExplicitDeny:
		why = "with an explicit deny in a resource-based policy"
	case idDecision == policy.Allowed || resDecision == policy.Allowed:
		return nil
	default:
		why = "because no identity-based policy allows the " + action + " action"
	}
	s.log.Warn("iam: access denied", "role", ro.name, "session", p.Session, "action", action, "resource", resource, "reason", why)
	return awsapi.AccessDenied("User: " + session + " is not authorized to perform: " + action + " on resource: " + resource + " " + why)
}

func (s *Service) authorizeService(p awsapi.Principal, action, resource string, cx policy.Context) error {
	cx.Set("aws:PrincipalServiceName", p.Service)
	cx.Set("aws:SourceAccount", awsapi.AccountID)
	if p.SourceARN != "" {
		cx.Set("aws:SourceArn", p.SourceARN)
	}
	req := &policy.Request{Action: action, Resource: resource, Context: cx,
		Principal: &policy.Principal{Service: p.Service, Account: awsapi.AccountID}}
	d, _ := policy.Evaluate(req, s.resourcePolicies(resource)...)
	var why string
	switch d {
	case policy.Allowed:
		return nil
	case policy.ExplicitDeny:
		why = "with an explicit deny in a resource-based policy"
	default:
		why = "because no resource-based policy allows the " + action + " action"
	}
	s.log.Warn("iam: access denied", "principal", p.Service, "source", p.SourceARN, "action", action, "resource", resource, "reason", why)
	return awsapi.AccessDenied(p.Service + " is not authorized to perform: " + action + " on resource: " + resource + " " + why)
}
