package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"herald/internal/mail"
)

// conn is one session with the server, used by one Send at a time.
type conn struct {
	raw    net.Conn // the TCP connection under any TLS: deadlines, forced close
	wire   net.Conn // what the session speaks over: raw, or TLS on top of it
	client *gosmtp.Client

	// Set when the server offers PIPELINING: transactions then go through
	// sendPipelined, with their own buffers on wire.
	pipelining, size bool
	r                *bufio.Reader
	w                *bufio.Writer
	tls              bool
	idle             *time.Timer // closes the connection when it sits idle in the pool
	gen              uint64      // counts returns to the pool; guarded by Sender.mu
}

// dial opens a session ready for MAIL: greeted, TLS as configured, and
// authenticated when a username is set. Cancelling ctx aborts it.
func dial(ctx context.Context, cfg Config) (*conn, error) {
	d := net.Dialer{Timeout: cfg.Timeout}
	raw, err := d.DialContext(ctx, "tcp", cfg.addr())
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	cn, err := setup(cfg, raw)
	if !stop() && err == nil {
		err = ctx.Err() // cancelled just as setup finished: raw is closed
	}
	if err != nil {
		raw.Close()
		return nil, err
	}
	return cn, nil
}

func setup(cfg Config, raw net.Conn) (*conn, error) {
	cn := &conn{raw: raw}
	var first net.Conn = raw
	if cfg.TLS == TLSImplicit {
		tc, err := handshake(cfg, raw)
		if err != nil {
			return nil, err
		}
		first, cn.tls = tc, true
	}
	cn.wire = first
	cn.client = newClient(cfg, first)
	if err := cn.client.Hello(cfg.LocalName); err != nil {
		return nil, err
	}
	if cfg.TLS != TLSImplicit {
		offered, _ := cn.client.Extension("STARTTLS")
		switch {
		case offered:
			err := cn.startTLS(cfg)
			if _, declined := replyOf(err); err != nil && (!declined || cfg.TLS == TLSRequired) {
				return nil, err
			}
			// With opportunistic TLS, a server that offers STARTTLS but then
			// declines it is used in the clear, as one that never offered it.
		case cfg.TLS == TLSRequired:
			return nil, &mail.SendError{Text: cfg.addr() + " does not offer STARTTLS, which is required", Temporary: true}
		}
	}
	if cfg.Username != "" {
		if err := cn.auth(cfg); err != nil {
			return nil, err
		}
	}
	cn.pipelining, _ = cn.client.Extension("PIPELINING")
	cn.size, _ = cn.client.Extension("SIZE")
	return cn, nil
}

func newClient(cfg Config, c net.Conn) *gosmtp.Client {
	client := gosmtp.NewClient(c)
	client.CommandTimeout = cfg.Timeout
	client.SubmissionTimeout = cfg.Timeout
	return client
}

func handshake(cfg Config, raw net.Conn) (*tls.Conn, error) {
	tc := tls.Client(raw, tlsConfig(cfg))
	raw.SetDeadline(time.Now().Add(cfg.Timeout))
	defer raw.SetDeadline(time.Time{})
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

func tlsConfig(cfg Config) *tls.Config {
	t := &tls.Config{}
	if cfg.TLSConfig != nil {
		t = cfg.TLSConfig.Clone()
	}
	if t.ServerName == "" {
		t.ServerName = cfg.Host
	}
	return t
}

// startTLS upgrades a session whose EHLO reply offered STARTTLS.
//
// go-smtp's Client can start TLS only inside NewClientStartTLS, which gives
// up when the server does not offer it and greets as "localhost". So the
// command is sent here on the idle connection (nothing is buffered: the
// server waits for us), and a new Client takes over the TLS connection,
// fed the greeting line it expects before its EHLO.
func (cn *conn) startTLS(cfg Config) error {
	cn.raw.SetDeadline(time.Now().Add(cfg.Timeout))
	defer cn.raw.SetDeadline(time.Time{})
	if _, err := cn.raw.Write([]byte("STARTTLS\r\n")); err != nil {
		return err
	}
	code, msg, err := textproto.NewReader(bufio.NewReaderSize(cn.raw, 512)).ReadResponse(220)
	if err != nil {
		var te *textproto.Error
		if errors.As(err, &te) {
			return &gosmtp.SMTPError{Code: code, Message: "STARTTLS: " + msg}
		}
		return err
	}
	tc, err := handshake(cfg, cn.raw)
	if err != nil {
		return err
	}
	cn.tls = true
	cn.wire = tc
	cn.client = newClient(cfg, &greetedConn{Conn: tc, greeting: []byte("220 " + cfg.Host + "\r\n")})
	return cn.client.Hello(cfg.LocalName)
}

// greetedConn replays a greeting once, then reads from the connection.
type greetedConn struct {
	net.Conn
	greeting []byte
}

// Read implements net.Conn, returning the greeting first.
func (g *greetedConn) Read(p []byte) (int, error) {
	if len(g.greeting) > 0 {
		n := copy(p, g.greeting)
		g.greeting = g.greeting[n:]
		return n, nil
	}
	return g.Conn.Read(p)
}

// auth logs in with PLAIN, or LOGIN for servers that offer only that. The
// password goes only over TLS or to this very host: both send it as is.
func (cn *conn) auth(cfg Config) error {
	if !cn.tls && !isLoopback(cn.raw.RemoteAddr()) {
		return &mail.SendError{Text: "refusing to send the password to " + cfg.addr() +
			" without TLS; use smtps:// or a server that offers STARTTLS", Temporary: true}
	}
	var mech sasl.Client
	switch {
	case cn.client.SupportsAuth(sasl.Plain):
		mech = sasl.NewPlainClient("", cfg.Username, cfg.Password)
	case cn.client.SupportsAuth(sasl.Login):
		mech = sasl.NewLoginClient(cfg.Username, cfg.Password)
	default:
		return &mail.SendError{Text: cfg.addr() + " offers neither AUTH PLAIN nor AUTH LOGIN", Temporary: true}
	}
	return cn.client.Auth(mech)
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// send runs one transaction and reports the stage that failed.
func (cn *conn) send(cfg Config, from, to string, data []byte) (stage, error) {
	if cn.pipelining {
		return cn.sendPipelined(cfg, from, to, data)
	}
	if err := cn.client.Mail(from, &gosmtp.MailOptions{Size: int64(len(data))}); err != nil {
		return stageMail, err
	}
	if err := cn.client.Rcpt(to, nil); err != nil {
		return stageRcpt, err
	}
	w, err := cn.client.Data()
	if err != nil {
		return stageData, err
	}
	// go-smtp times commands but not the writing of the message itself.
	cn.raw.SetDeadline(time.Now().Add(cfg.Timeout))
	if _, err := w.Write(data); err != nil {
		return stageData, err
	}
	return stageData, w.Close()
}

// reset ends a failed transaction so the session can take the next one.
// (go-smtp follows RSET with a new EHLO before the next MAIL.)
func (cn *conn) reset() error { return cn.client.Reset() }

// quit says goodbye politely but briefly, then closes the connection.
func (cn *conn) quit(timeout time.Duration) {
	cn.client.CommandTimeout = min(timeout, 5*time.Second)
	cn.client.Quit()
	cn.raw.Close()
}
