package logs

import (
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// Errors, with the types and messages the SDKs and AWS use.
func invalidParameter(format string, args ...any) error {
	return awsapi.Errorf("InvalidParameterException", format, args...)
}

func groupNotFound() error {
	return awsapi.Errorf("ResourceNotFoundException", "The specified log group does not exist.")
}

func streamNotFound() error {
	return awsapi.Errorf("ResourceNotFoundException", "The specified log stream does not exist.")
}

func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return awsapi.Errorf("SerializationException", "Request body is not valid JSON: %v", err)
	}
	return nil
}

// GroupARN is a log group's ARN as IAM and the API's logGroupArn name it.
func GroupARN(name string) string { return awsapi.ARN("logs", "log-group:"+name) }

func streamARN(group, stream string) string { return GroupARN(group) + ":log-stream:" + stream }

// authorize checks "logs:<op>" on resource; a denial is returned as
// awsapi shapes it (AccessDeniedException).
func authorize(ctx context.Context, op, resource string) error {
	return awsapi.Authorize(ctx, "logs:"+op, resource, nil)
}

// Group and stream names as CloudWatch Logs allows them.
var (
	validGroup  = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)
	validStream = regexp.MustCompile(`^[^:*]{1,512}$`)
)

// ValidGroupName reports whether name is a valid log group name: 1–512
// of letters, digits and ._-/#.
func ValidGroupName(name string) bool { return validGroup.MatchString(name) }

// groupName takes logGroupName, or the name in logGroupIdentifier (a name
// or an ARN), as the newer operations accept both.
func groupName(name, identifier string) (string, error) {
	if name != "" && identifier != "" {
		return "", invalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	}
	if identifier != "" {
		name = identifier
		if i := strings.Index(name, ":log-group:"); i >= 0 && strings.HasPrefix(name, "arn:") {
			name = strings.TrimSuffix(name[i+len(":log-group:"):], ":*")
		}
	}
	if !ValidGroupName(name) {
		return "", invalidParameter("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", name)
	}
	return name, nil
}

// validRetention lists the RetentionInDays values AWS accepts.
var validRetention = map[int]bool{1: true, 3: true, 5: true, 7: true, 14: true, 30: true, 60: true, 90: true, 120: true,
	150: true, 180: true, 365: true, 400: true, 545: true, 731: true, 1096: true, 1827: true, 2192: true, 2557: true,
	2922: true, 3288: true, 3653: true}

func checkRetention(days int) error {
	if days != 0 && !validRetention[days] {
		return invalidParameter("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", days)
	}
	return nil
}

// namedGroup decodes a request that names just a log group, and
// authorizes op on that group.
func namedGroup(ctx context.Context, body []byte, op string) (string, error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := decode(body, &in); err != nil {
		return "", err
	}
	name, err := groupName(in.LogGroupName, "")
	if err != nil {
		return "", err
	}
	return name, authorize(ctx, op, GroupARN(name))
}

func (s *Service) createLogGroup(ctx context.Context, body []byte) (any, error) {
	name, err := namedGroup(ctx, body, "CreateLogGroup")
	if err != nil {
		return nil, err
	}
	if _, err := s.createGroup(groupRecord{Name: name}, false); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// createGroup adds a group (replace: update the retention of one that
// exists, as a provisioned group does across restarts).
func (s *Service) createGroup(rec groupRecord, replace bool) (*group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groups[rec.Name]; g != nil {
		if !replace {
			return nil, awsapi.Errorf("ResourceAlreadyExistsException", "The specified log group already exists")
		}
		if g.rec.Retention != rec.Retention || g.rec.Template != rec.Template {
			g.rec.Retention, g.rec.Template, g.dirty = rec.Retention, rec.Template, true
			g.prune(s.now())
		}
		s.kick()
		return g, nil
	}
	rec.Created = s.now().UnixMilli()
	g := newGroup(rec)
	s.groups[rec.Name] = g
	s.kick()
	return g, nil
}

func (s *Service) deleteLogGroup(ctx context.Context, body []byte) (any, error) {
	name, err := namedGroup(ctx, body, "DeleteLogGroup")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.groups[name] == nil {
		s.mu.Unlock()
		return nil, groupNotFound()
	}
	delete(s.groups, name)
	s.gone = append(s.gone, name)
	s.mu.Unlock()
	s.kick()
	return struct{}{}, nil
}

func (s *Service) putRetentionPolicy(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName    string `json:"logGroupName"`
		RetentionInDays int    `json:"retentionInDays"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := groupName(in.LogGroupName, "")
	if err != nil {
		return nil, err
	}
	if in.RetentionInDays == 0 {
		return nil, invalidParameter("1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null")
	}
	if err := checkRetention(in.RetentionInDays); err != nil {
		return nil, err
	}
	if err := authorize(ctx, "PutRetentionPolicy", GroupARN(name)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[name]
	if g == nil {
		return nil, groupNotFound()
	}
	g.rec.Retention, g.dirty = in.RetentionInDays, true
	g.prune(s.now())
	s.kick()
	return struct{}{}, nil
}

// page checks a request's limit (1..max, default def).
func page(limit *int, max, def int) (int, error) {
	if limit == nil {
		return def, nil
	}
	if *limit < 1 || *limit > max {
		return 0, invalidParameter("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *limit, max)
	}
	return *limit, nil
}

func (s *Service) describeLogGroups(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupNamePrefix  string `json:"logGroupNamePrefix"`
		LogGroupNamePattern string `json:"logGroupNamePattern"`
		NextToken           string `json:"nextToken"`
		Limit               *int   `json:"limit"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return nil, invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	limit, err := page(in.Limit, 50, 50)
	if err != nil {
		return nil, err
	}
	if err := authorize(ctx, "DescribeLogGroups", GroupARN("*")); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var names []string
	for name := range s.groups {
		if strings.HasPrefix(name, in.LogGroupNamePrefix) && strings.Contains(strings.ToLower(name), strings.ToLower(in.LogGroupNamePattern)) && name > in.NextToken {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := map[string]any{}
	if len(names) > limit {
		names = names[:limit]
		out["nextToken"] = names[limit-1]
	}
	groups := make([]map[string]any, 0, len(names))
	for _, name := range names {
		g := s.groups[name]
		d := map[string]any{
			"logGroupName": name, "creationTime": g.rec.Created, "metricFilterCount": 0,
			"arn": GroupARN(name) + ":*", "logGroupArn": GroupARN(name), "storedBytes": g.bytes,
			"logGroupClass": "STANDARD",
		}
		if g.rec.Retention > 0 {
			d["retentionInDays"] = g.rec.Retention
		}
		groups = append(groups, d)
	}
	s.mu.Unlock()
	out["logGroups"] = groups
	return out, nil
}

func (s *Service) createLogStream(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := groupName(in.LogGroupName, "")
	if err != nil {
		return nil, err
	}
	if !validStream.MatchString(in.LogStreamName) {
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*", in.LogStreamName)
	}
	if err := authorize(ctx, "CreateLogStream", streamARN(name, in.LogStreamName)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[name]
	if g == nil {
		return nil, groupNotFound()
	}
	if g.streams[in.LogStreamName] != nil {
		return nil, awsapi.Errorf("ResourceAlreadyExistsException", "The specified log stream already exists")
	}
	g.stream(in.LogStreamName, s.now())
	s.kick()
	return struct{}{}, nil
}

func (s *Service) describeLogStreams(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName        string `json:"logGroupName"`
		LogGroupIdentifier  string `json:"logGroupIdentifier"`
		LogStreamNamePrefix string `json:"logStreamNamePrefix"`
		OrderBy             string `json:"orderBy"`
		Descending          bool   `json:"descending"`
		NextToken           string `json:"nextToken"`
		Limit               *int   `json:"limit"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	switch in.OrderBy {
	case "", "LogStreamName":
	case "LastEventTime":
		if in.LogStreamNamePrefix != "" {
			return nil, invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
	default:
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]", in.OrderBy)
	}
	limit, err := page(in.Limit, 50, 50)
	if err != nil {
		return nil, err
	}
	if err := authorize(ctx, "DescribeLogStreams", GroupARN(name)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[name]
	if g == nil {
		return nil, groupNotFound()
	}
	streams := make([]*streamRecord, 0, len(g.streams))
	for n, st := range g.streams {
		if strings.HasPrefix(n, in.LogStreamNamePrefix) {
			streams = append(streams, st)
		}
	}
	// The token is the position after the last stream returned; streams
	// sort by name, or by last event time with the name breaking ties.
	less := func(a, b *streamRecord) bool { return a.Name < b.Name }
	if in.OrderBy == "LastEventTime" {
		less = func(a, b *streamRecord) bool {
			if a.Last != b.Last {
				return a.Last < b.Last
			}
			return a.Name < b.Name
		}
	}
	sort.Slice(streams, func(i, j int) bool {
		if in.Descending {
			return less(streams[j], streams[i])
		}
		return less(streams[i], streams[j])
	})
	start := 0
	if in.NextToken != "" {
		start = len(streams)
		for i, st := range streams {
			if streamToken(st, in.OrderBy) == in.NextToken {
				start = i + 1
				break
			}
		}
	}
	streams = streams[start:]
	out := map[string]any{}
	if len(streams) > limit {
		streams = streams[:limit]
		out["nextToken"] = streamToken(streams[limit-1], in.OrderBy)
	}
	list := make([]map[string]any, 0, len(streams))
	for _, st := range streams {
		d := map[string]any{"logStreamName": st.Name, "creationTime": st.Created, "arn": streamARN(name, st.Name), "storedBytes": 0}
		if st.Last != 0 {
			d["firstEventTimestamp"], d["lastEventTimestamp"], d["lastIngestionTime"] = st.First, st.Last, st.LastIngestion
		}
		list = append(list, d)
	}
	out["logStreams"] = list
	return out, nil
}

// streamToken names a stream's place in a DescribeLogStreams listing.
func streamToken(st *streamRecord, orderBy string) string {
	if orderBy == "LastEventTime" {
		return "t/" + itoa(st.Last) + "/" + st.Name
	}
	return "n/" + st.Name
}
