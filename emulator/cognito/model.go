package cognito

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// poolConfig is what is stored of a user pool: the template's settings,
// refreshed on every start, and the signing keys, generated once.
type poolConfig struct {
	ID, Name string
	Created  time.Time
	Modified time.Time
	// UsernameAttributes ("email", "phone_number") make those attributes
	// the sign-in name: the username itself is then a generated UUID.
	UsernameAttributes []string `json:",omitempty"`
	// AliasAttributes ("email", "phone_number", "preferred_username") may
	// be used to sign in once verified, besides the username.
	AliasAttributes []string `json:",omitempty"`
	AutoVerified    []string `json:",omitempty"`
	AdminCreateOnly bool
	// CaseSensitive usernames (UsernameConfiguration.CaseSensitive).
	CaseSensitive bool
	Policy        passwordPolicy
	// Required attributes from the schema ("email").
	Required []string `json:",omitempty"`
	// Custom attribute names ("custom:tier") from the schema.
	Custom []string `json:",omitempty"`
	MFA    string   `json:",omitempty"`
	// Keys are PKCS#1 DER RSA private keys: [0] signs ID tokens, [1]
	// access tokens, as Cognito uses a different key for each.
	Keys [][]byte
}

type passwordPolicy struct {
	MinimumLength                 int
	RequireUppercase              bool
	RequireLowercase              bool
	RequireNumbers                bool
	RequireSymbols                bool
	TemporaryPasswordValidityDays int
}

// defaultPolicy is Cognito's policy when a pool sets none.
var defaultPolicy = passwordPolicy{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true,
	RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7}

// pool is a user pool with its groups, users and parsed keys.
type pool struct {
	poolConfig
	groups map[string]*group
	users  map[string]*user // by key(username)
	idKey  *signingKey
	accKey *signingKey
}

func newPool(cfg poolConfig) (*pool, error) {
	p := &pool{poolConfig: cfg, groups: map[string]*group{}, users: map[string]*user{}}
	if len(cfg.Keys) != 2 {
		return nil, fmt.Errorf("want 2 signing keys, have %d", len(cfg.Keys))
	}
	keys := make([]*signingKey, 2)
	for i, der := range cfg.Keys {
		priv, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("signing key %d: %w", i, err)
		}
		if keys[i], err = newSigningKey(priv); err != nil {
			return nil, err
		}
	}
	p.idKey, p.accKey = keys[0], keys[1]
	return p, nil
}

func poolARN(id string) string { return awsapi.ARN("cognito-idp", "userpool/"+id) }

// key is how users are indexed: the username, folded when the pool's
// usernames are case-insensitive.
func (p *pool) key(username string) string {
	if p.CaseSensitive {
		return username
	}
	return strings.ToLower(username)
}

// lookup finds the user a sign-in name denotes: the username, or (for
// pools that sign in with e-mail or phone) that attribute, or a verified
// alias.
func (p *pool) lookup(name string) *user {
	if name == "" {
		return nil
	}
	if u := p.users[p.key(name)]; u != nil {
		return u
	}
	for _, attr := range p.UsernameAttributes {
		if u := p.findByAttribute(attr, name, false); u != nil {
			return u
		}
	}
	for _, attr := range p.AliasAttributes {
		if u := p.findByAttribute(attr, name, attr != "preferred_username"); u != nil {
			return u
		}
	}
	return nil
}

// findByAttribute returns the user whose attr equals value; with verified
// set, only one whose attr is verified (attr_verified "true").
func (p *pool) findByAttribute(attr, value string, verified bool) *user {
	for _, u := range p.users {
		v, ok := u.Attributes[attr]
		if !ok || !strings.EqualFold(v, value) {
			continue
		}
		if verified && u.Attributes[attr+"_verified"] != "true" {
			continue
		}
		return u
	}
	return nil
}

func (p *pool) issuer(baseURL string) string { return baseURL + "/" + p.ID }

// client is an app client.
type client struct {
	ID, PoolID, Name string
	Secret           string `json:",omitempty"`
	// Flows are the explicit auth flows in their ALLOW_ form.
	Flows                  []string
	AccessValidity         time.Duration
	IDValidity             time.Duration
	RefreshValidity        time.Duration
	SessionValidity        time.Duration
	PreventExistenceErrors bool
	Created, Modified      time.Time
	// Units of the validities, as DescribeUserPoolClient reports them.
	Units map[string]string
}

func (c *client) allows(flow string) bool { return slices.Contains(c.Flows, flow) }

// group is a user pool group.
type group struct {
	PoolID, Name, Description, RoleArn string
	Precedence                         *int
	Created, Modified                  time.Time
}

func (g *group) describe() map[string]any {
	out := map[string]any{
		"GroupName": g.Name, "UserPoolId": g.PoolID,
		"CreationDate": awsapi.EpochSeconds(g.Created), "LastModifiedDate": awsapi.EpochSeconds(g.Modified),
	}
	if g.Description != "" {
		out["Description"] = g.Description
	}
	if g.RoleArn != "" {
		out["RoleArn"] = g.RoleArn
	}
	if g.Precedence != nil {
		out["Precedence"] = *g.Precedence
	}
	return out
}

// User statuses.
const (
	statusUnconfirmed   = "UNCONFIRMED"
	statusConfirmed     = "CONFIRMED"
	statusForceChange   = "FORCE_CHANGE_PASSWORD"
	statusResetRequired = "RESET_REQUIRED"
)

// user is a user pool user. The password is kept only as a bcrypt hash.
type user struct {
	Username     string
	Attributes   map[string]string // includes sub
	PasswordHash []byte            `json:",omitempty"`
	Status       string
	Enabled      bool
	Groups       []string `json:",omitempty"`
	Created      time.Time
	Modified     time.Time
	// TempExpires ends a temporary password (FORCE_CHANGE_PASSWORD).
	TempExpires time.Time `json:",omitzero"`
	// A pending confirmation code, the attribute it was sent for and
	// when it expires. AWS delivers it by e-mail or SMS; locally it is
	// logged.
	Code        string    `json:",omitempty"`
	CodeAttr    string    `json:",omitempty"`
	CodeExpires time.Time `json:",omitzero"`
}

func (u *user) sub() string { return u.Attributes["sub"] }

// attributeList renders attributes as Cognito's [{Name, Value}], sorted by
// name with sub first, limited to names when names is non-nil.
func (u *user) attributeList(names map[string]bool) []map[string]string {
	keys := make([]string, 0, len(u.Attributes))
	for k := range u.Attributes {
		if names == nil || names[k] {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "sub") != (keys[j] == "sub") {
			return keys[i] == "sub"
		}
		return keys[i] < keys[j]
	})
	out := make([]map[string]string, len(keys))
	for i, k := range keys {
		out[i] = map[string]string{"Name": k, "Value": u.Attributes[k]}
	}
	return out
}

// userType is Cognito's UserType (ListUsers, AdminCreateUser).
func (u *user) userType(names map[string]bool) map[string]any {
	return map[string]any{
		"Username": u.Username, "Attributes": u.attributeList(names),
		"UserCreateDate": awsapi.EpochSeconds(u.Created), "UserLastModifiedDate": awsapi.EpochSeconds(u.Modified),
		"Enabled": u.Enabled, "UserStatus": u.Status,
	}
}

// Standard attributes of every user pool (OpenID Connect's, plus sub).
var standardAttributes = map[string]bool{
	"sub": true, "name": true, "given_name": true, "family_name": true, "middle_name": true, "nickname": true,
	"preferred_username": true, "profile": true, "picture": true, "website": true, "email": true,
	"email_verified": true, "gender": true, "birthdate": true, "zoneinfo": true, "locale": true,
	"phone_number": true, "phone_number_verified": true, "address": true, "updated_at": true,
}

// symbols are the characters Cognito counts as special in passwords.
const symbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// check applies the pool's policy, naming the first rule broken as
// Cognito does.
func (p passwordPolicy) check(pw string) error {
	if pw == "" {
		return invalidParameter("1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(pw) > 256 || strings.TrimSpace(pw) != pw {
		return invalidParameter(`1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$`)
	}
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(symbols, r):
			symbol = true
		}
	}
	broken := ""
	switch {
	case len([]rune(pw)) < p.MinimumLength:
		broken = "Password not long enough"
	case p.RequireLowercase && !lower:
		broken = "Password must have lowercase characters"
	case p.RequireUppercase && !upper:
		broken = "Password must have uppercase characters"
	case p.RequireNumbers && !digit:
		broken = "Password must have numeric characters"
	case p.RequireSymbols && !symbol:
		broken = "Password must have symbol characters"
	}
	if broken != "" {
		return apiError("InvalidPasswordException", "Password did not conform with policy: %s", broken)
	}
	return nil
}

// temporaryPassword generates a password that satisfies p, as Cognito
// does for AdminCreateUser without TemporaryPassword.
func (p passwordPolicy) temporaryPassword() string {
	n := max(p.MinimumLength, 12)
	pw := pick("ABCDEFGHJKLMNPQRSTUVWXYZ", 1) + pick("abcdefghijkmnopqrstuvwxyz", 1) +
		pick("23456789", 1) + pick("!#%&*+-=?", 1) +
		pick("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", n-4)
	return pw
}

var (
	emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
	phoneRE = regexp.MustCompile(`^\+[0-9]{4,15}$`)
	// usernameRE is Cognito's username pattern: letters, marks,
	// symbols, numbers and punctuation, 1 to 128 characters.
	usernameRE = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$`)
)

// maskDestination renders a delivery destination as Cognito does
// ("j***@e***").
func maskDestination(attr, v string) string {
	if attr == "phone_number" {
		if len(v) > 4 {
			return "+*******" + v[len(v)-4:]
		}
		return v
	}
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || domain == "" {
		return "***"
	}
	return local[:1] + "***@" + domain[:1] + "***"
}

// pkcs1 is a key's storage form.
func pkcs1(k *rsa.PrivateKey) []byte { return x509.MarshalPKCS1PrivateKey(k) }
