package iam

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"time"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// Credentials are temporary AWS credentials, as STS AssumeRole returns
// them.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// issued is what an access key the runtime handed out stands for.
type issued struct {
	Credentials
	role, session string
	at            time.Time
}

// Issue returns new temporary credentials for a session of the role
// (session: the function name, as Lambda names its sessions). Requests
// signed with them act as that role session; the access key starts with
// "ASIA", as temporary keys do. Credentials live as long as the Service.
func (s *Service) Issue(roleARN, session string) (Credentials, error) {
	c := Credentials{
		AccessKeyID:     "ASIA" + randomString(10, base32.StdEncoding.WithPadding(base32.NoPadding))[:16],
		SecretAccessKey: randomString(30, base64.StdEncoding)[:40],
		SessionToken:    randomString(96, base64.StdEncoding),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds[c.AccessKeyID] = &issued{Credentials: c, role: roleARN, session: session, at: s.opts.Now()}
	return c, nil
}

func randomString(n int, enc interface{ EncodeToString([]byte) string }) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return enc.EncodeToString(b)
}

var errBadToken = errors.New("iam: the session token does not belong to the access key")

// Identify implements awsapi.Authorizer: an access key from Issue is its
// role session, if the request carries that key's session token; any other
// key is the runtime's administrator (issued false).
func (s *Service) Identify(accessKeyID, sessionToken string) (awsapi.Principal, bool, error) {
	s.mu.RLock()
	c := s.creds[accessKeyID]
	s.mu.RUnlock()
	if c == nil {
		return awsapi.Principal{}, false, nil
	}
	if subtle.ConstantTimeCompare([]byte(sessionToken), []byte(c.SessionToken)) != 1 {
		return awsapi.Principal{}, false, errBadToken
	}
	return awsapi.Principal{RoleARN: c.role, Session: c.session}, true, nil
}

// issuedAt is when the role session's credentials were issued, for
// aws:TokenIssueTime (zero if the session has none).
func (s *Service) issuedAt(roleARN, session string) time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.creds {
		if c.role == roleARN && c.session == session {
			return c.at
		}
	}
	return time.Time{}
}
