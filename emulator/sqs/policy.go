package sqs

import (
	"encoding/json"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// AllowsSend reports whether the queue's policy lets a service principal
// (e.g. "events.amazonaws.com") acting for sourceARN (e.g. a rule ARN) call
// sqs:SendMessage, as AWS checks before EventBridge delivers to a queue.
// A queue without a policy allows no service, as in AWS; an explicit Deny
// wins over any Allow. Conditions understood: ArnEquals, ArnLike,
// StringEquals, StringLike (and their IfExists forms) on aws:SourceArn and
// aws:SourceAccount; a statement with any other condition does not apply.
func (s *Service) AllowsSend(queueARN, principalService, sourceARN string) bool {
	name, ok := nameFromARN(queueARN)
	if !ok {
		return false
	}
	s.mu.Lock()
	q := s.queues[name]
	var policy string
	if q != nil {
		policy = q.Policy
	}
	s.mu.Unlock()
	if policy == "" {
		return false
	}
	var doc struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return false
	}
	allowed := false
	for _, st := range statements(doc.Statement) {
		if !st.applies(queueARN, principalService, sourceARN) {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		if st.Effect == "Allow" {
			allowed = true
		}
	}
	return allowed
}

type statement struct {
	Effect    string
	Principal any
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

// statements accepts a single statement object or a list.
func statements(raw json.RawMessage) []statement {
	var list []statement
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one statement
	if json.Unmarshal(raw, &one) == nil {
		return []statement{one}
	}
	return nil
}

func (st statement) applies(queueARN, service, sourceARN string) bool {
	if !anyMatch(st.Action, "sqs:SendMessage", true) {
		return false
	}
	if st.Resource != nil && !anyMatch(st.Resource, queueARN, false) {
		return false
	}
	if !principalMatches(st.Principal, service) {
		return false
	}
	for op, keys := range st.Condition {
		base := strings.TrimSuffix(op, "IfExists")
		for key, want := range keys {
			var got string
			switch strings.ToLower(key) {
			case "aws:sourcearn":
				got = sourceARN
			case "aws:sourceaccount":
				got = awsapi.AccountID
			default:
				return false
			}
			switch base {
			case "ArnEquals", "StringEquals":
				if !anyEqual(want, got) {
					return false
				}
			case "ArnLike", "StringLike":
				if !anyMatch(want, got, false) {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

func principalMatches(p any, service string) bool {
	switch p := p.(type) {
	case string:
		return p == "*"
	case map[string]any:
		if anyEqual(p["AWS"], "*") {
			return true
		}
		return anyEqual(p["Service"], service)
	}
	return false
}

// values flattens a policy value that may be a string or a list.
func values(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func anyEqual(v any, s string) bool {
	for _, w := range values(v) {
		if w == s {
			return true
		}
	}
	return false
}

// anyMatch matches s against glob values ('*' any run, '?' one character).
func anyMatch(v any, s string, foldCase bool) bool {
	for _, w := range values(v) {
		if foldCase {
			w, s = strings.ToLower(w), strings.ToLower(s)
		}
		if glob(w, s) {
			return true
		}
	}
	return false
}

func glob(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if glob(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}
