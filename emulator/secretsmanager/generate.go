package secretsmanager

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// Character classes of generated passwords, as Secrets Manager defines
// them (punctuation is the printable ASCII that is neither a letter, a
// digit nor a space).
const (
	lowercase   = "abcdefghijklmnopqrstuvwxyz"
	uppercase   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numbers     = "0123456789"
	punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// PasswordSpec is GenerateSecretString (the template property) and
// GetRandomPassword's input.
type PasswordSpec struct {
	PasswordLength          *int64
	ExcludeCharacters       string
	ExcludeLowercase        bool
	ExcludeUppercase        bool
	ExcludeNumbers          bool
	ExcludePunctuation      bool
	IncludeSpace            bool
	RequireEachIncludedType *bool
	// SecretStringTemplate is a JSON object the password is added to
	// under GenerateStringKey (template property only).
	SecretStringTemplate string
	GenerateStringKey    string
}

// Generate returns a random password following spec, or an
// InvalidParameterException naming what is wrong.
func (spec PasswordSpec) Generate() (string, error) {
	length := int64(32)
	if spec.PasswordLength != nil {
		length = *spec.PasswordLength
	}
	if length < 1 || length > 4096 {
		return "", invalidParameter("PasswordLength must be between 1 and 4096, got %d.", length)
	}
	var classes []string
	add := func(exclude bool, set string) {
		if exclude {
			return
		}
		var b strings.Builder
		for _, r := range set {
			if !strings.ContainsRune(spec.ExcludeCharacters, r) {
				b.WriteRune(r)
			}
		}
		if b.Len() > 0 {
			classes = append(classes, b.String())
		}
	}
	add(spec.ExcludeLowercase, lowercase)
	add(spec.ExcludeUppercase, uppercase)
	add(spec.ExcludeNumbers, numbers)
	add(spec.ExcludePunctuation, punctuation)
	add(!spec.IncludeSpace, " ")
	if len(classes) == 0 {
		return "", invalidParameter("The password cannot be generated: every character is excluded.")
	}
	requireEach := spec.RequireEachIncludedType == nil || *spec.RequireEachIncludedType
	if requireEach && int64(len(classes)) > length {
		return "", invalidParameter("PasswordLength %d is too short to include each of the %d included character types.", length, len(classes))
	}
	all := strings.Join(classes, "")
	out := make([]byte, length)
	for i := range out {
		out[i] = all[randInt(len(all))]
	}
	if requireEach {
		// One character of each class at distinct random positions.
		positions := perm(int(length))
		for i, class := range classes {
			out[positions[i]] = class[randInt(len(class))]
		}
	}
	password := string(out)
	if spec.GenerateStringKey == "" && spec.SecretStringTemplate == "" {
		return password, nil
	}
	if spec.GenerateStringKey == "" || spec.SecretStringTemplate == "" {
		return "", invalidParameter("GenerateStringKey and SecretStringTemplate must be given together.")
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(spec.SecretStringTemplate), &obj); err != nil || obj == nil {
		return "", invalidParameter("SecretStringTemplate must be a JSON object.")
	}
	obj[spec.GenerateStringKey] = password
	raw, err := json.Marshal(obj)
	if err != nil {
		return "", fmt.Errorf("secretsmanager: %w", err)
	}
	return string(raw), nil
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return int(v.Int64())
}

// perm is a uniformly random permutation of [0, n) (Fisher–Yates).
func perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := randInt(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
