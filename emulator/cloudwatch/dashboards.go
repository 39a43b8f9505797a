package cloudwatch

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
)

var dashboardNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

func dashboardARN(name string) string {
	return "arn:aws:cloudwatch::" + accountID() + ":dashboard/" + name
}

// putDashboardBody validates and stores a dashboard.
func (s *Service) putDashboardBody(name, body string) error {
	if !dashboardNameRE.MatchString(name) {
		return apiErr("DashboardInvalidInputError", "InvalidParameterInput", 400, "DashboardName %q: 1 to 255 letters, digits, hyphens and underscores.", name)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		return apiErr("DashboardInvalidInputError", "InvalidParameterInput", 400, "DashboardBody is not a JSON object: %v", err)
	}
	d := &dashboard{Name: name, Body: body, Modified: s.now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.put(bucketDashboards, name, d); err != nil {
		return err
	}
	s.dashboards[name] = d
	return nil
}

func (s *Service) putDashboard(_ context.Context, body []byte) (any, error) {
	var in struct{ DashboardName, DashboardBody string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.DashboardBody == "" {
		return nil, missingParameter("DashboardBody")
	}
	if err := s.putDashboardBody(in.DashboardName, in.DashboardBody); err != nil {
		return nil, err
	}
	return map[string]any{"DashboardValidationMessages": []any{}}, nil
}

func (s *Service) getDashboard(_ context.Context, body []byte) (any, error) {
	var in struct{ DashboardName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dashboards[in.DashboardName]
	if d == nil {
		return nil, dashboardNotFound(in.DashboardName)
	}
	return map[string]any{"DashboardName": d.Name, "DashboardArn": dashboardARN(d.Name), "DashboardBody": d.Body}, nil
}

func (s *Service) listDashboards(_ context.Context, body []byte) (any, error) {
	var in struct{ DashboardNamePrefix, NextToken string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var entries []map[string]any
	for _, name := range sortedKeys(s.dashboards) {
		d := s.dashboards[name]
		if strings.HasPrefix(name, in.DashboardNamePrefix) {
			entries = append(entries, map[string]any{"DashboardName": name, "DashboardArn": dashboardARN(name), "LastModified": ts(d.Modified), "Size": len(d.Body)})
		}
	}
	s.mu.Unlock()
	pg, next, err := page(entries, func(m map[string]any) string { return m["DashboardName"].(string) }, in.NextToken, 1000)
	if err != nil {
		return nil, err
	}
	if pg == nil {
		pg = []map[string]any{}
	}
	out := map[string]any{"DashboardEntries": pg}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (s *Service) deleteDashboards(_ context.Context, body []byte) (any, error) {
	var in struct{ DashboardNames []string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range in.DashboardNames {
		if s.dashboards[n] == nil {
			return nil, dashboardNotFound(n)
		}
	}
	for _, n := range in.DashboardNames {
		if err := s.del(bucketDashboards, n); err != nil {
			return nil, err
		}
		delete(s.dashboards, n)
	}
	return nil, nil
}
