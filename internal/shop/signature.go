package shop

import (
	"context"
	"database/sql"
	"strings"

	"mostrador/inbox"
	"mostrador/internal/settings"
)

// Signature is what goes under the owner's replies: shop.signature when
// set, else the owner's name and the shop's (a signed answer earns more
// trust than one from a faceless shop). The account's sender name stands
// in for the owner when shop.owner is not set.
func Signature(ctx context.Context, db *sql.DB, acct *inbox.Account) (string, error) {
	var v [3]string
	for i, key := range []string{settings.ShopSignature, settings.ShopOwner, settings.ShopName} {
		s, err := settings.Get(ctx, db, key)
		if err != nil {
			return "", err
		}
		v[i] = s.Value
	}
	fromName := ""
	if acct != nil {
		fromName = acct.FromName
	}
	return SignatureOf(v[0], v[1], v[2], fromName), nil
}

// SignatureOf is Signature from the values themselves, for a preview of
// settings not yet saved: the signature when there is one, else the owner
// (or the account's sender name) over the shop's name.
func SignatureOf(signature, owner, shopName, fromName string) string {
	if sig := strings.TrimSpace(signature); sig != "" {
		return sig
	}
	owner, shopName = strings.TrimSpace(owner), strings.TrimSpace(shopName)
	if owner == "" {
		owner = strings.TrimSpace(fromName)
	}
	var lines []string
	if owner != "" {
		lines = append(lines, owner)
	}
	if shopName != "" && !strings.EqualFold(shopName, owner) {
		lines = append(lines, shopName)
	}
	return strings.Join(lines, "\n")
}
