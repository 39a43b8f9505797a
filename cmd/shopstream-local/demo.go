package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/shopstream/shopstream/cmd/shopstream-local/sample"
	"github.com/shopstream/shopstream/emulator/cognito"
	"github.com/shopstream/shopstream/emulator/runtime"
)

// demoUser is one of the users --sample-catalog creates so that a first
// run can sign in at once: an admin and two shoppers.
type demoUser struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Admin    bool   `json:"admin,omitempty"`
}

// demoUsersFile keeps the demo users' passwords in the data directory, so
// they stay the same across restarts (and are gone with the directory).
const demoUsersFile = "demo-users.json"

// sampleStack returns the Ready hook of --sample-catalog: it makes the demo
// users, signs in as the demo admin (product writes are admin-only) and
// creates the sample catalog through the API, then prints the users and
// adds them to the env file for shells (DEMO_ADMIN, DEMO_ADMIN_PASSWORD, …).
func sampleStack(dataDir, envFile string) func(context.Context, *runtime.Runtime) error {
	return func(ctx context.Context, rt *runtime.Runtime) error {
		urls := rt.APIURLs()
		if len(urls) == 0 {
			return errors.New("sample catalog: the stack has no API to load it through")
		}
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		users, err := demoUsers(dataDir)
		if err != nil {
			return err
		}
		pool, clientID, err := onlyPool(rt.Cognito())
		if err != nil {
			return err
		}
		for _, u := range users {
			cu := cognito.User{Username: u.Name, Password: u.Password, Attributes: map[string]string{"email": u.Name + "@example.com"}}
			if u.Admin {
				cu.Groups = []string{"admin"}
			}
			if _, err := rt.Cognito().EnsureUser(pool.ID, cu); err != nil {
				return fmt.Errorf("demo users: %w", err)
			}
		}
		token, err := signIn(ctx, rt.EnvVars()["AWS_ENDPOINT_URL"], clientID, users[0])
		if err != nil {
			return err
		}
		ids, err := sample.Load(ctx, http.DefaultClient, urls[0], token)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			fmt.Println("  sample catalog: the catalog already has products; nothing created")
		} else {
			fmt.Printf("  sample catalog: %d products created through %sproduct\n", len(ids), urls[0])
		}
		var env strings.Builder
		for i, u := range users {
			role := "shopper"
			key := fmt.Sprintf("DEMO_SHOPPER%d", i)
			if u.Admin {
				role, key = "admin", "DEMO_ADMIN"
			}
			fmt.Printf("  demo user %-8s password %s (%s)\n", u.Name, u.Password, role)
			fmt.Fprintf(&env, "%s=%s\n%s_PASSWORD=%s\n", key, u.Name, key, u.Password)
		}
		if envFile == "" {
			return nil
		}
		f, err := os.OpenFile(envFile, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("demo users: %w", err)
		}
		_, err = f.WriteString(env.String())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
}

// demoUsers returns the demo users, with the passwords kept in dataDir
// from an earlier run or new random ones (kept for the next run). With no
// data directory (--in-memory) they are new every run.
func demoUsers(dataDir string) ([]demoUser, error) {
	path := ""
	if dataDir != "" {
		path = filepath.Join(dataDir, demoUsersFile)
		raw, err := os.ReadFile(path)
		switch {
		case err == nil:
			var users []demoUser
			if err := json.Unmarshal(raw, &users); err != nil || len(users) == 0 || !users[0].Admin {
				return nil, fmt.Errorf("demo users: %s is damaged (delete it to make new passwords): %v", path, err)
			}
			return users, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("demo users: %w", err)
		}
	}
	users := []demoUser{{Name: "admin", Admin: true}, {Name: "ann"}, {Name: "ben"}}
	for i := range users {
		users[i].Password = newPassword()
	}
	if path != "" {
		raw, _ := json.MarshalIndent(users, "", "  ")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return nil, fmt.Errorf("demo users: %w", err)
		}
	}
	return users, nil
}

// newPassword returns a random password that meets any Cognito policy:
// 16 random letters and digits plus an upper, a lower, a digit and a symbol.
func newPassword() string {
	return "Demo-" + rand.Text()[:16] + "a9"
}

// onlyPool returns the stack's user pool and its app client: the demo
// users need exactly one of each.
func onlyPool(c *cognito.Service) (cognito.Pool, string, error) {
	if c == nil {
		return cognito.Pool{}, "", errors.New("demo users: the runtime has no Cognito service")
	}
	pools := c.Pools()
	if len(pools) != 1 {
		return cognito.Pool{}, "", fmt.Errorf("demo users: the stack has %d user pools; want exactly one", len(pools))
	}
	p := pools[0]
	if len(p.Clients) != 1 {
		return cognito.Pool{}, "", fmt.Errorf("demo users: user pool %s has %d app clients; want exactly one", p.ID, len(p.Clients))
	}
	var clientID string
	for _, id := range p.Clients { // the only one
		clientID = id
	}
	return p, clientID, nil
}

// signIn gets u's ID token the way a client does: InitiateAuth with
// USER_PASSWORD_AUTH on the AWS endpoint.
func signIn(ctx context.Context, endpoint, clientID string, u demoUser) (string, error) {
	client := cip.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	out, err := client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId:       aws.String(clientID),
		AuthFlow:       ciptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": u.Name, "PASSWORD": u.Password},
	})
	if err != nil {
		return "", fmt.Errorf("demo users: sign in as %s: %w", u.Name, err)
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.IdToken == nil {
		return "", fmt.Errorf("demo users: sign in as %s: no ID token (challenge %s)", u.Name, out.ChallengeName)
	}
	return *out.AuthenticationResult.IdToken, nil
}
