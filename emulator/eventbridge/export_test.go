package eventbridge

// Pending is the number of deliveries accepted and not finished yet: not
// delivered, nor given up on to a dead-letter queue or the log. Matching
// happens when PutEvents accepts an event, so once Pending is 0 every
// delivery a test's events will ever cause has happened; tests wait for it
// before asserting that something was NOT delivered.
func (s *Service) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.outbox)
}
