// Package sample loads a small sample catalog into a running stack through
// its REST API, so a first `make run` has something to browse and buy. It
// goes through the API (not the tables) so the products have their real
// event history: the audit trail of a sample product is like any other's.
package sample

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

//go:embed catalog.json
var catalogJSON []byte

// Product is one sample product, in POST /product's shape.
type Product struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Category    string `json:"category"`
	Price       int64  `json:"price"`
	Currency    string `json:"currency"`
	ImageFile   string `json:"imageFile"`
	Stock       int64  `json:"stock"`
}

// Catalog returns the sample products.
func Catalog() ([]Product, error) {
	var ps []Product
	if err := json.Unmarshal(catalogJSON, &ps); err != nil {
		return nil, fmt.Errorf("sample: catalog.json: %w", err)
	}
	return ps, nil
}

// Load creates every sample product through the API at apiURL (the stage
// base URL, e.g. http://127.0.0.1:3000/dev/), as the admin whose ID token
// is given (product writes are admin-only), and returns their ids. A
// catalog that already lists products is left alone (no ids, no error), so
// restarting with the flag does not create the products twice.
func Load(ctx context.Context, client *http.Client, apiURL, idToken string) ([]string, error) {
	ps, err := Catalog()
	if err != nil {
		return nil, err
	}
	if empty, err := emptyCatalog(ctx, client, apiURL); err != nil || !empty {
		return nil, err
	}
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		body, _ := json.Marshal(p)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(apiURL, "/")+"/product", bytes.NewReader(body))
		if err != nil {
			return ids, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", idToken)
		res, err := client.Do(req)
		if err != nil {
			return ids, fmt.Errorf("sample: create %s: %w", p.Name, err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			return ids, fmt.Errorf("sample: create %s: %d %s", p.Name, res.StatusCode, raw)
		}
		var out struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return ids, fmt.Errorf("sample: create %s: %w", p.Name, err)
		}
		ids = append(ids, out.ID)
	}
	return ids, nil
}

// emptyCatalog reports whether GET /product lists nothing.
func emptyCatalog(ctx context.Context, client *http.Client, apiURL string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(apiURL, "/")+"/product?limit=1", nil)
	if err != nil {
		return false, err
	}
	res, err := client.Do(req)
	if err != nil {
		return false, fmt.Errorf("sample: list products: %w", err)
	}
	defer res.Body.Close()
	var out struct {
		Items []json.RawMessage `json:"items"`
	}
	if res.StatusCode != http.StatusOK {
		return false, fmt.Errorf("sample: list products: status %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return false, fmt.Errorf("sample: list products: %w", err)
	}
	return len(out.Items) == 0, nil
}
