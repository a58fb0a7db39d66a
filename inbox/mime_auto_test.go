package inbox

import (
	"fmt"
	"slices"
	"testing"
)

func TestAutoReplyAndBounce(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		auto, bounce bool
	}{
		{"ordinary Outlook", "Subject: Pedido\nX-Auto-Response-Suppress: All\n", false, false},
		{"auto-submitted no", "Subject: x\nAuto-Submitted: no\n", false, false},
		{"auto-submitted", "Subject: x\nAuto-Submitted: auto-replied (vacation)\n", true, false},
		{"x-autoreply", "Subject: x\nX-Autoreply: yes\n", true, false},
		{"x-autorespond", "Subject: x\nX-Autorespond: yes\n", true, false},
		{"precedence auto_reply", "Subject: x\nPrecedence: auto_reply\n", true, false},
		{"precedence bulk", "Subject: x\nPrecedence: bulk\n", false, false},
		{"gmail vacation", "Subject: Fuera de la oficina hasta el lunes\n", true, false},
		{"outlook es", "Subject: Respuesta automática: Pedido 12\n", true, false},
		{"outlook en", "Subject: Automatic reply: Order 12\n", true, false},
		{"out of office", "Subject: Out of Office: Order 12\n", true, false},
		{"german", "Subject: Abwesenheitsnotiz: Bestellung\n", true, false},
		{"auto:", "Subject: Auto: pedido\n", true, false},
		{"not at start", "Subject: Re: mi respuesta automática\n", false, false},
		{"daemon subject", "From: MAILER-DAEMON@x.com\nSubject: Mail delivery failed: returning message to sender\nX-Failed-Recipients: Ana@Example.com\n", false, true},
		{"postmaster es", "From: postmaster@x.es\nSubject: No se puede entregar: Pedido\n", false, true},
		{"daemon notice", "From: MAILER-DAEMON@x.com\nSubject: Postmaster notify: see transcript\n", false, false},
	} {
		p := ParseMessage([]byte(tc.header + "\nhola\n"))
		if p.AutoReply != tc.auto || p.Bounce != tc.bounce {
			t.Errorf("%s: AutoReply %v Bounce %v, want %v %v", tc.name, p.AutoReply, p.Bounce, tc.auto, tc.bounce)
		}
		if tc.name == "daemon subject" && !slices.Equal(p.BouncedAddrs, []string{"ana@example.com"}) {
			t.Errorf("X-Failed-Recipients gave %q", p.BouncedAddrs)
		}
	}

	// A report of delayed delivery is not a failure; one with an Action
	// failed for one recipient of two is.
	report := func(actions ...string) []byte {
		s := "From: MAILER-DAEMON@x.com\nSubject: Delivery Status Notification\nAuto-Submitted: auto-replied\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n" +
			"--r\nContent-Type: text/plain\n\naviso\n--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x.com\n"
		for i, a := range actions {
			s += fmt.Sprintf("\nFinal-Recipient: rfc822; c%d@example.com\nAction: %s\nStatus: 4.0.0\n", i, a)
		}
		return []byte(s + "--r--\n")
	}
	p := ParseMessage(report("delayed"))
	if p.Bounce || !p.AutoReply || len(p.BouncedAddrs) > 0 {
		t.Errorf("delay report: Bounce %v AutoReply %v %q", p.Bounce, p.AutoReply, p.BouncedAddrs)
	}
	p = ParseMessage(report("delayed", "failed"))
	if !p.Bounce || p.AutoReply || !slices.Equal(p.BouncedAddrs, []string{"c1@example.com"}) {
		t.Errorf("failure report: Bounce %v AutoReply %v %q", p.Bounce, p.AutoReply, p.BouncedAddrs)
	}
}
