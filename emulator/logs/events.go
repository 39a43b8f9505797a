package logs

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PutLogEvents limits, as CloudWatch Logs documents them.
const (
	maxBatchEvents = 10000
	maxBatchSpan   = 24 * time.Hour
	maxFuture      = 2 * time.Hour
	maxPast        = 14 * 24 * time.Hour
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (s *Service) putLogEvents(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
		LogEvents     []struct {
			Timestamp *int64  `json:"timestamp"`
			Message   *string `json:"message"`
		} `json:"logEvents"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := groupName(in.LogGroupName, "")
	if err != nil {
		return nil, err
	}
	if len(in.LogEvents) == 0 || len(in.LogEvents) > maxBatchEvents {
		return nil, invalidParameter("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and %d", maxBatchEvents)
	}
	for i, e := range in.LogEvents {
		switch {
		case e.Timestamp == nil || e.Message == nil:
			return nil, invalidParameter("logEvents.%d: timestamp and message are required", i+1)
		case *e.Message == "":
			return nil, invalidParameter("1 validation error detected: Value '' at 'logEvents.%d.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1", i+1)
		case i > 0 && *e.Timestamp < *in.LogEvents[i-1].Timestamp:
			return nil, invalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	first, last := *in.LogEvents[0].Timestamp, *in.LogEvents[len(in.LogEvents)-1].Timestamp
	if time.Duration(last-first)*time.Millisecond > maxBatchSpan {
		return nil, invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	if err := authorize(ctx, "PutLogEvents", streamARN(name, in.LogStreamName)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	g := s.groups[name]
	if g == nil {
		s.mu.Unlock()
		return nil, groupNotFound()
	}
	st := g.streams[in.LogStreamName]
	if st == nil {
		s.mu.Unlock()
		return nil, streamNotFound()
	}
	now := s.now()
	nowMs := now.UnixMilli()
	tooNew, tooOld, expired := -1, -1, -1
	var kept []int
	keptBytes := 0
	for i, e := range in.LogEvents {
		ts := *e.Timestamp
		msg := *e.Message
		if len(msg) > maxMessage {
			msg = msg[:maxMessage]
		}
		switch {
		case ts > nowMs+maxFuture.Milliseconds():
			if tooNew < 0 {
				tooNew = i
			}
			continue
		case ts < nowMs-maxPast.Milliseconds():
			tooOld = i
			continue
		}
		if g.add(st, ts, nowMs, msg, "", s.max) {
			kept = append(kept, i)
			keptBytes += len(msg)
		} else {
			expired = i
		}
	}
	s.mu.Unlock()
	s.kick()
	s.recordIncoming(name, len(kept), keptBytes, now)
	for _, i := range kept {
		s.extractMetrics(*in.LogEvents[i].Message, time.UnixMilli(*in.LogEvents[i].Timestamp))
	}
	out := map[string]any{"nextSequenceToken": fmt.Sprintf("%056d", nowMs)}
	if tooNew >= 0 || tooOld >= 0 || expired >= 0 {
		rej := map[string]any{}
		if tooNew >= 0 {
			rej["tooNewLogEventStartIndex"] = tooNew
		}
		if tooOld >= 0 {
			rej["tooOldLogEventEndIndex"] = tooOld
		}
		if expired >= 0 {
			rej["expiredLogEventEndIndex"] = expired
		}
		out["rejectedLogEventsInfo"] = rej
	}
	return out, nil
}

// position orders events by timestamp, then by arrival, and is what
// paging tokens carry.
type position struct{ time, seq int64 }

func posOf(e *event) position { return position{e.Time, int64(e.Seq)} }

func (p position) less(q position) bool {
	return p.time < q.time || p.time == q.time && p.seq < q.seq
}

func (p position) token(dir string) string { return dir + "/" + itoa(p.time) + "/" + itoa(p.seq) }

func parseToken(tok string) (dir string, p position, err error) {
	parts := strings.Split(tok, "/")
	if len(parts) == 3 {
		t, err1 := strconv.ParseInt(parts[1], 10, 64)
		q, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err1 == nil && err2 == nil {
			return parts[0], position{t, q}, nil
		}
	}
	return "", position{}, invalidParameter("The specified nextToken is invalid.")
}

// sorted returns the events keep accepts, in timestamp order.
func sorted(evs []*event, keep func(*event) bool) []*event {
	var out []*event
	for _, e := range evs {
		if keep(e) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return posOf(out[i]).less(posOf(out[j])) })
	return out
}

// inRange reports whether ts is in [start, end) where set (epoch ms).
func inRange(ts int64, start, end *int64) bool {
	return (start == nil || ts >= *start) && (end == nil || ts < *end)
}

func (s *Service) getLogEvents(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName       string `json:"logGroupName"`
		LogGroupIdentifier string `json:"logGroupIdentifier"`
		LogStreamName      string `json:"logStreamName"`
		StartTime          *int64 `json:"startTime"`
		EndTime            *int64 `json:"endTime"`
		NextToken          string `json:"nextToken"`
		Limit              *int   `json:"limit"`
		StartFromHead      bool   `json:"startFromHead"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	limit, err := page(in.Limit, maxBatchEvents, maxBatchEvents)
	if err != nil {
		return nil, err
	}
	// Without a token, startFromHead picks the end to read from; a token
	// carries its own direction: "f" reads on after its position, "b"
	// reads back from before it.
	forward, after, before := in.StartFromHead, (*position)(nil), (*position)(nil)
	if in.NextToken != "" {
		dir, p, err := parseToken(in.NextToken)
		if err != nil || dir != "f" && dir != "b" {
			return nil, invalidParameter("The specified nextToken is invalid.")
		}
		forward = dir == "f"
		if forward {
			after = &p
		} else {
			before = &p
		}
	}
	if err := authorize(ctx, "GetLogEvents", streamARN(name, in.LogStreamName)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	g := s.groups[name]
	if g == nil {
		s.mu.Unlock()
		return nil, groupNotFound()
	}
	if g.streams[in.LogStreamName] == nil {
		s.mu.Unlock()
		return nil, streamNotFound()
	}
	evs := sorted(g.events, func(e *event) bool {
		p := posOf(e)
		return e.Stream == in.LogStreamName && inRange(e.Time, in.StartTime, in.EndTime) &&
			(after == nil || after.less(p)) && (before == nil || p.less(*before))
	})
	s.mu.Unlock()
	if len(evs) > limit {
		if forward {
			evs = evs[:limit]
		} else {
			evs = evs[len(evs)-limit:]
		}
	}
	list := make([]map[string]any, 0, len(evs))
	for _, e := range evs {
		list = append(list, map[string]any{"timestamp": e.Time, "message": e.Message, "ingestionTime": e.Ingestion})
	}
	// At the end of the stream the token given comes back, which is how
	// a reader knows it has caught up.
	fwd, bwd := in.NextToken, in.NextToken
	if len(evs) > 0 {
		fwd, bwd = posOf(evs[len(evs)-1]).token("f"), posOf(evs[0]).token("b")
	} else if in.NextToken == "" {
		// An empty stream: tokens for its two ends.
		fwd, bwd = position{}.token("f"), position{1<<62 - 1, 0}.token("b")
	}
	return map[string]any{"events": list, "nextForwardToken": fwd, "nextBackwardToken": bwd}, nil
}

func (s *Service) filterLogEvents(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName        string   `json:"logGroupName"`
		LogGroupIdentifier  string   `json:"logGroupIdentifier"`
		LogStreamNames      []string `json:"logStreamNames"`
		LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
		StartTime           *int64   `json:"startTime"`
		EndTime             *int64   `json:"endTime"`
		FilterPattern       string   `json:"filterPattern"`
		NextToken           string   `json:"nextToken"`
		Limit               *int     `json:"limit"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, invalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
	}
	limit, err := page(in.Limit, maxBatchEvents, maxBatchEvents)
	if err != nil {
		return nil, err
	}
	match, err := compileFilter(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	var after *position
	if in.NextToken != "" {
		dir, p, err := parseToken(in.NextToken)
		if err != nil || dir != "n" {
			return nil, invalidParameter("The specified nextToken is invalid.")
		}
		after = &p
	}
	if err := authorize(ctx, "FilterLogEvents", GroupARN(name)); err != nil {
		return nil, err
	}
	streams := map[string]bool{}
	for _, n := range in.LogStreamNames {
		streams[n] = true
	}
	s.mu.Lock()
	g := s.groups[name]
	if g == nil {
		s.mu.Unlock()
		return nil, groupNotFound()
	}
	evs := sorted(g.events, func(e *event) bool {
		return (len(streams) == 0 || streams[e.Stream]) && strings.HasPrefix(e.Stream, in.LogStreamNamePrefix) &&
			inRange(e.Time, in.StartTime, in.EndTime) && (after == nil || after.less(posOf(e))) && match(e.Message)
	})
	s.mu.Unlock()
	out := map[string]any{}
	if len(evs) > limit {
		evs = evs[:limit]
		out["nextToken"] = posOf(evs[limit-1]).token("n")
	}
	list := make([]map[string]any, 0, len(evs))
	for _, e := range evs {
		list = append(list, map[string]any{
			"logStreamName": e.Stream, "timestamp": e.Time, "message": e.Message, "ingestionTime": e.Ingestion,
			"eventId": fmt.Sprintf("%d%020d", e.Time, e.Seq),
		})
	}
	out["events"] = list
	out["searchedLogStreams"] = []any{}
	return out, nil
}

// Line is one kept log event, as RequestLines returns it.
type Line struct {
	Stream    string
	Time      time.Time
	Message   string
	RequestID string
}

// RequestLines returns the events of group written for a Lambda request
// id (telemetry.LogEvent.RequestID), in time order: an invocation's log,
// for a console that follows a task to the lines it wrote.
func (s *Service) RequestLines(group, requestID string) []Line {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[group]
	if g == nil || requestID == "" {
		return nil
	}
	var out []Line
	for _, e := range sorted(g.events, func(e *event) bool { return e.RequestID == requestID }) {
		out = append(out, Line{Stream: e.Stream, Time: time.UnixMilli(e.Time), Message: e.Message, RequestID: e.RequestID})
	}
	return out
}
