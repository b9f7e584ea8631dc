package smtp

import (
	"context"
	"errors"
	"fmt"

	gosmtp "github.com/emersion/go-smtp"

	"herald/internal/mail"
)

// stage is the step of a transaction that failed; it decides whether a
// reused connection is worth a second try.
type stage int

const (
	stageSession stage = iota // greeting, EHLO, STARTTLS, AUTH
	stageMail
	stageRcpt
	stageData
)

// replyOf returns the server's reply inside err, if there was one.
func replyOf(err error) (*gosmtp.SMTPError, bool) {
	var e *gosmtp.SMTPError
	ok := errors.As(err, &e)
	return e, ok
}

// sendError translates a failure into what the delivery engine acts on.
//
// A reply to MAIL, RCPT or DATA is about this message: 4xx is temporary,
// 5xx permanent. A failure to set up the session says nothing about the
// recipient, so it is temporary whatever the code; otherwise a wrong
// password would permanently fail every message of a campaign. Anything
// that is not a reply (dial failure, dropped connection, timeout) is
// temporary too.
func sendError(ctx context.Context, st stage, server string, err error) *mail.SendError {
	var se *mail.SendError
	if errors.As(err, &se) {
		return se
	}
	if ctx.Err() != nil {
		return &mail.SendError{Text: "send to " + server + " stopped: " + ctx.Err().Error(),
			Temporary: true, Err: ctx.Err()}
	}
	if r, ok := replyOf(err); ok {
		se := &mail.SendError{
			Code:      r.Code,
			Text:      r.Message,
			Temporary: r.Code < 500 || st == stageSession,
			Err:       err,
		}
		if ec := r.EnhancedCode; ec[0] > 0 {
			se.Enhanced = fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2])
		}
		return se
	}
	return &mail.SendError{Text: server + ": " + err.Error(), Temporary: true, Err: err}
}

// brokenConn reports whether a connection that failed with err must be
// dropped rather than reset and reused: there was no reply (the network
// failed) or the reply was 421, by which the server says it is closing.
func brokenConn(err error) bool {
	r, ok := replyOf(err)
	return !ok || r.Code == 421
}
