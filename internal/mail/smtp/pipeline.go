package smtp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"herald/internal/mail"
)

// sendPipelined runs one transaction with MAIL, RCPT and DATA sent in one
// write (RFC 2920), for servers that offer PIPELINING. On loopback or a
// fast LAN a transaction is bound by round trips, so two instead of four
// doubles what one connection can carry. The session itself (EHLO,
// STARTTLS, AUTH) stays with go-smtp; only transactions go this way.
func (cn *conn) sendPipelined(cfg Config, from, to string, data []byte) (stage, error) {
	var st stage
	var err error
	n, _, lastStage, lastErr := cn.sendChain(cfg, []mail.Envelope{{From: from, To: to, Data: data}}, func(_ int, s stage, e error) {
		st, err = s, e
	})
	if n == 0 {
		return lastStage, lastErr // the envelope failed on the network
	}
	return st, err
}

// sendChain runs transactions for msgs back to back, each message's content
// going out in one write with the next one's envelope (RFC 2920 lets
// message content lead a group of commands), so that a message costs one
// write and one read. It reports each message's outcome in order as soon
// as it is read and returns how many it reported.
//
// It stops early in two cases. When the server refuses an envelope, the
// refusal is reported and returned as err: the session needs RSET before
// the next transaction. When the connection fails or the server says it is
// closing (421), broken is true: a message whose content had gone out, or
// whose envelope got the 421, is reported with the failure; one whose
// envelope met a network failure is not reported, as it was never started.
func (cn *conn) sendChain(cfg Config, msgs []mail.Envelope, report func(i int, st stage, err error)) (n int, broken bool, st stage, err error) {
	if cn.r == nil {
		cn.r = bufio.NewReaderSize(cn.wire, 4<<10)
		cn.w = bufio.NewWriterSize(cn.wire, 32<<10)
	}
	defer cn.raw.SetDeadline(time.Time{})
	cn.raw.SetDeadline(time.Now().Add(cfg.Timeout))
	cn.writeEnvelope(msgs[0])
	if err := cn.w.Flush(); err != nil {
		return 0, true, stageMail, err
	}
	for i, m := range msgs {
		if st, err := cn.envelopeReplies(); err != nil {
			if isNetwork(err) {
				return i, true, st, err
			}
			report(i, st, err)
			return i + 1, brokenConn(err), st, err
		}
		cn.raw.SetDeadline(time.Now().Add(cfg.Timeout))
		writeDotStuffed(cn.w, m.Data)
		if i+1 < len(msgs) {
			cn.writeEnvelope(msgs[i+1])
		}
		if err := cn.w.Flush(); err != nil {
			report(i, stageData, err)
			return i + 1, true, stageData, err
		}
		err := cn.reply(250)
		report(i, stageData, err)
		if err != nil && brokenConn(err) {
			return i + 1, true, stageData, err // the network failed, or 421: the server is closing
		}
		// A refused message ends its own transaction only; the next
		// envelope, already sent, is answered as usual.
	}
	return len(msgs), false, stageData, nil
}

// writeEnvelope buffers MAIL, RCPT and DATA for one message.
func (cn *conn) writeEnvelope(m mail.Envelope) {
	cn.w.WriteString("MAIL FROM:<")
	cn.w.WriteString(m.From)
	cn.w.WriteString(">")
	if cn.size {
		cn.w.WriteString(" SIZE=")
		cn.w.WriteString(strconv.Itoa(len(m.Data)))
	}
	cn.w.WriteString("\r\nRCPT TO:<")
	cn.w.WriteString(m.To)
	cn.w.WriteString(">\r\nDATA\r\n")
}

// envelopeReplies reads the answers to MAIL, RCPT and DATA. When the
// envelope was refused but the server took DATA anyway, it ends the empty
// message so the session stays in step.
func (cn *conn) envelopeReplies() (stage, error) {
	mailErr := cn.reply(250)
	if isNetwork(mailErr) {
		return stageMail, mailErr
	}
	rcptErr := cn.reply(250, 251)
	if isNetwork(rcptErr) {
		return stageRcpt, rcptErr
	}
	dataErr := cn.reply(354)
	if isNetwork(dataErr) {
		return stageData, dataErr
	}
	if mailErr == nil && rcptErr == nil && dataErr == nil {
		return stageData, nil
	}
	if dataErr == nil {
		cn.w.WriteString(".\r\n")
		if err := cn.w.Flush(); err != nil {
			return stageData, &netError{err}
		}
		if err := cn.reply(250); isNetwork(err) {
			return stageData, err
		}
	}
	switch {
	case mailErr != nil:
		return stageMail, mailErr
	case rcptErr != nil:
		return stageRcpt, rcptErr
	default:
		return stageData, dataErr
	}
}

// writeDotStuffed writes a message body for DATA: a dot that starts a line
// is doubled, line ends are CRLF as given, and the terminating dot follows.
func writeDotStuffed(w *bufio.Writer, data []byte) error {
	if len(data) > 0 && data[0] == '.' {
		w.WriteByte('.')
	}
	for {
		i := bytes.Index(data, []byte("\n."))
		if i < 0 {
			break
		}
		w.Write(data[:i+1])
		w.WriteByte('.')
		data = data[i+1:]
	}
	w.Write(data)
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		w.WriteString("\r\n")
	}
	_, err := w.WriteString(".\r\n")
	return err
}

// netError is a failure to talk at all, as opposed to a refusal.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

func isNetwork(err error) bool {
	_, ok := err.(*netError)
	return ok
}

// reply reads one (possibly multi-line) reply and returns nil when its code
// is one of want, a *gosmtp.SMTPError when it is another, and a *netError
// when the connection failed or the reply is malformed.
func (cn *conn) reply(want ...int) error {
	var code int
	var text strings.Builder
	for {
		line, err := cn.r.ReadString('\n')
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return &netError{err}
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 3 {
			return &netError{fmt.Errorf("malformed reply %q", line)}
		}
		c, err := strconv.Atoi(line[:3])
		if err != nil || c < 200 || c > 599 || (code != 0 && c != code) {
			return &netError{fmt.Errorf("malformed reply %q", line)}
		}
		code = c
		if text.Len() > 0 {
			text.WriteByte('\n')
		}
		if len(line) > 4 {
			text.WriteString(line[4:])
		}
		if len(line) == 3 || line[3] == ' ' {
			break
		}
		if line[3] != '-' || text.Len() > 64<<10 {
			return &netError{fmt.Errorf("malformed reply %q", line)}
		}
	}
	for _, w := range want {
		if code == w {
			return nil
		}
	}
	e := &gosmtp.SMTPError{Code: code, Message: text.String()}
	// An enhanced status code (RFC 3463) leads the text when given.
	if f := strings.Fields(e.Message); len(f) > 0 {
		parts := strings.Split(f[0], ".")
		if len(parts) == 3 {
			var ec gosmtp.EnhancedCode
			ok := true
			for i, p := range parts {
				n, err := strconv.Atoi(p)
				if err != nil || n < 0 || n > 999 {
					ok = false
					break
				}
				ec[i] = n
			}
			if ok && ec[0] == code/100 {
				e.EnhancedCode = ec
				e.Message = strings.TrimSpace(strings.TrimPrefix(e.Message, f[0]))
			}
		}
	}
	return e
}
