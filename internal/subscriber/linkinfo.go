package subscriber

// LinkInfo is what a confirmation or unsubscribe page shows: the address the
// link was sent to and the newsletters it concerns. Only the holder of a
// valid signed token ever sees it.
type LinkInfo struct {
	Email       string
	Newsletters []Newsletter
}
