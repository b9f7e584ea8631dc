package smtp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// received is a message as the test server got it.
type received struct {
	From, To string
	Data     []byte
	TLS      bool
	User     string // who authenticated, if anyone
}

// serverOptions shape the test server; the zero value is a plain server
// that accepts everything.
type serverOptions struct {
	startTLS bool     // offer STARTTLS
	implicit bool     // TLS from the first byte, as smtps
	mechs    []string // AUTH mechanisms offered: PLAIN and LOGIN are understood
	listen   string   // address to listen on; default 127.0.0.1:0
	rcpt     func(to string) error
	data     func(c *gosmtp.Conn) error // after the body is read, before the reply
}

const (
	testUser     = "herald"
	testPassword = "p@ss word"
)

// testServer is a real go-smtp server in the test process that counts
// connections and records what it receives.
type testServer struct {
	host string
	port int
	pool *x509.CertPool // trusts the server's self-signed certificate
	opts serverOptions

	mu    sync.Mutex
	msgs  []received
	conns []net.Conn // every accepted connection
	open  int
}

func startServer(t *testing.T, opts serverOptions) *testServer {
	t.Helper()
	if opts.listen == "" {
		opts.listen = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", opts.listen)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ta := l.Addr().(*net.TCPAddr)
	ts := &testServer{host: ta.IP.String(), port: ta.Port, opts: opts}
	tlsCfg, pool := selfSigned(t, ta.IP)
	ts.pool = pool

	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &session{srv: ts, conn: c}, nil
	}))
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true // the client, not the server, is under test
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	var ln net.Listener = &countingListener{Listener: l, srv: ts}
	switch {
	case opts.implicit:
		ln = tls.NewListener(ln, tlsCfg)
	case opts.startTLS:
		srv.TLSConfig = tlsCfg
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ts
}

// config returns a client configuration for this server.
func (ts *testServer) config() Config {
	c := Config{
		Host:      ts.host,
		Port:      ts.port,
		LocalName: "client.test",
		Timeout:   5 * time.Second,
		TLSConfig: &tls.Config{RootCAs: ts.pool},
	}
	if ts.opts.implicit {
		c.TLS = TLSImplicit
	}
	return c
}

func (ts *testServer) received() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.msgs...)
}

// counts returns how many connections were accepted and are still open.
func (ts *testServer) counts() (accepted, open int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.conns), ts.open
}

// dropAll closes every connection from the server side, as a server
// restarting or timing out idle clients would.
func (ts *testServer) dropAll() {
	ts.mu.Lock()
	conns := append([]net.Conn(nil), ts.conns...)
	ts.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// waitOpen waits until the server has want connections open.
func (ts *testServer) waitOpen(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, open := ts.counts()
		if open == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server has %d connections open, want %d", open, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type countingListener struct {
	net.Listener
	srv *testServer
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, srv: l.srv}
	l.srv.mu.Lock()
	l.srv.conns = append(l.srv.conns, tc)
	l.srv.open++
	l.srv.mu.Unlock()
	return tc, nil
}

type trackedConn struct {
	net.Conn
	srv  *testServer
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.srv.mu.Lock()
		c.srv.open--
		c.srv.mu.Unlock()
	})
	return c.Conn.Close()
}

type session struct {
	srv      *testServer
	conn     *gosmtp.Conn
	from     string
	to       string
	user     string
	loginUsr string // LOGIN: the username, while waiting for the password
}

func (s *session) Reset()        { s.from, s.to = "", "" }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *gosmtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.srv.opts.rcpt != nil {
		if err := s.srv.opts.rcpt(to); err != nil {
			return err
		}
	}
	s.to = to
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.srv.opts.data != nil {
		if err := s.srv.opts.data(s.conn); err != nil {
			return err
		}
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, received{From: s.from, To: s.to, Data: b, TLS: isTLS, User: s.user})
	s.srv.mu.Unlock()
	return nil
}

func (s *session) AuthMechanisms() []string { return s.srv.opts.mechs }

func (s *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != testUser || pass != testPassword {
			return errors.New("invalid credentials")
		}
		s.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks.
type loginServer struct {
	user  *string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch {
	case l.user == nil && resp == nil:
		return []byte("Username:"), false, nil
	case l.user == nil:
		u := string(resp)
		l.user = &u
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(*l.user, string(resp))
	}
}

// selfSigned makes a certificate for ip and a pool that trusts it.
func selfSigned(t *testing.T, ip net.IP) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{ip},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
