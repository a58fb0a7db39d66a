package orders

import "mostrador/internal/database"

// Migrations are the order log's tables. Times are UTC text
// ("2006-01-02T15:04:05Z", sortable); money is integer minor units beside an
// ISO currency code; NULL means "not known", which is not the same as zero.
//
// Foreign keys are checked at COMMIT (DEFERRABLE INITIALLY DEFERRED): an
// immediate one makes SQLite keep a statement journal for every multi-row
// INSERT of an import, about a tenth of its time.
var Migrations = database.Migrations{Package: "orders", Steps: []string{
	`CREATE TABLE customer (
		id         INTEGER PRIMARY KEY,
		email      TEXT UNIQUE,               -- normalized; NULL: cannot be emailed
		name       TEXT NOT NULL DEFAULT '',
		phone      TEXT NOT NULL DEFAULT '',
		phone_key  TEXT NOT NULL DEFAULT '',  -- digits only, for matching orders without email
		name_key   TEXT NOT NULL DEFAULT '',  -- folded name, for the same
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL
	);
	-- phone_key and name_key are matched in memory during an import; no index.

	CREATE TABLE orders (
		id                 INTEGER PRIMARY KEY,
		platform           TEXT NOT NULL,
		number             TEXT NOT NULL,
		customer_id        INTEGER NOT NULL REFERENCES customer(id) DEFERRABLE INITIALLY DEFERRED,
		email              TEXT NOT NULL DEFAULT '',  -- as written in the export
		name               TEXT NOT NULL DEFAULT '',
		phone              TEXT NOT NULL DEFAULT '',
		placed_at          TEXT,
		currency           TEXT NOT NULL DEFAULT '',
		subtotal           INTEGER,
		shipping           INTEGER,
		tax                INTEGER,
		discount           INTEGER,
		total              INTEGER,
		refunded           INTEGER,
		payment_status     TEXT NOT NULL DEFAULT '',  -- pending paid partially_refunded refunded voided failed
		fulfillment_status TEXT NOT NULL DEFAULT '',  -- unfulfilled partial shipped delivered
		status_text        TEXT NOT NULL DEFAULT '',  -- the platform's own words
		carrier            TEXT NOT NULL DEFAULT '',
		tracking           TEXT NOT NULL DEFAULT '',
		tracking_url       TEXT NOT NULL DEFAULT '',
		shipping_method    TEXT NOT NULL DEFAULT '',
		shipped_at         TEXT,
		delivered_at       TEXT,
		cancelled          INTEGER NOT NULL DEFAULT 0,
		cancelled_at       TEXT,
		note               TEXT NOT NULL DEFAULT '',
		-- What each kind of file last said about the order, as "source=hash"
		-- pairs joined by ";": a re-import of the same data is recognized as
		-- unchanged without reading the order back. Etsy's two files each
		-- have their own pair.
		source_hashes      TEXT NOT NULL DEFAULT '',
		created_at         TEXT NOT NULL,
		updated_at         TEXT NOT NULL,
		UNIQUE(platform, number)
	);
	CREATE INDEX orders_customer ON orders(customer_id, placed_at);
	CREATE INDEX orders_tracking ON orders(tracking) WHERE tracking <> '';

	CREATE TABLE order_item (
		order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
		position   INTEGER NOT NULL,
		quantity   INTEGER NOT NULL,
		name       TEXT NOT NULL,
		sku        TEXT NOT NULL DEFAULT '',
		variant    TEXT NOT NULL DEFAULT '',
		unit_price INTEGER,
		line_total INTEGER,
		PRIMARY KEY(order_id, position)
	) WITHOUT ROWID;

	-- The history of what imports changed, for the card and for the reminders.
	CREATE TABLE order_event (
		id       INTEGER PRIMARY KEY,
		order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
		kind     TEXT NOT NULL,     -- new shipped delivered cancelled refunded tracking updated
		seen_at  TEXT NOT NULL,     -- when the import noticed it
		detail   TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX order_event_order ON order_event(order_id, id);`,

	// 2: appointments (bookings) from booking exports. An appointment is keyed
	// by the export's booking id when it has one ("id:<booking id>"), else by
	// who, when and what ("at:<customer id>|<start UTC>|<folded service>"), so
	// that importing the same file again changes nothing. Times are UTC text;
	// time_zone is the shop's IANA zone the times were written in, for display
	// and for reminders that must fall at the right wall-clock time across DST.
	`CREATE TABLE appointment (
		id          INTEGER PRIMARY KEY,
		customer_id INTEGER NOT NULL REFERENCES customer(id),
		source      TEXT NOT NULL,                   -- calendly calcom generic
		booking_key TEXT NOT NULL,
		booking_id  TEXT NOT NULL DEFAULT '',        -- the export's own id, as written
		service     TEXT NOT NULL DEFAULT '',
		staff       TEXT NOT NULL DEFAULT '',
		starts_at   TEXT NOT NULL,
		ends_at     TEXT,                            -- NULL: the export gave no end or duration
		time_zone   TEXT NOT NULL DEFAULT '',
		status      TEXT NOT NULL DEFAULT 'booked',  -- booked cancelled completed no_show
		status_text TEXT NOT NULL DEFAULT '',        -- the export's own words
		location    TEXT NOT NULL DEFAULT '',
		notes       TEXT NOT NULL DEFAULT '',
		created_at  TEXT NOT NULL,
		updated_at  TEXT NOT NULL,
		UNIQUE(source, booking_key)
	);
	CREATE INDEX appointment_customer ON appointment(customer_id, starts_at);
	CREATE INDEX appointment_starts ON appointment(starts_at) WHERE status = 'booked';

	-- What imports noticed about an appointment: new moved cancelled updated.
	CREATE TABLE appointment_event (
		id             INTEGER PRIMARY KEY,
		appointment_id INTEGER NOT NULL REFERENCES appointment(id) ON DELETE CASCADE,
		kind           TEXT NOT NULL,
		seen_at        TEXT NOT NULL,
		detail         TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX appointment_event_appointment ON appointment_event(appointment_id, id);`,
	// What the owner writes about a customer on the card ("prefers
	// unscented", "pays by transfer"): theirs, never touched by an import.
	`ALTER TABLE customer ADD COLUMN notes TEXT NOT NULL DEFAULT ''`,

	// 4: the window's order list, newest first, under a status filter
	// (ListOrders). orders_placed gives the newest page without sorting the
	// shop's whole history; orders_status finds the few orders still to
	// ship, or on their way, among years of delivered ones. Its expression
	// is Order.summary written in SQL, and must stay word for word the one
	// ListOrders filters on (statusSQL), or SQLite will not use it
	// (TestListOrdersUsesTheIndexes).
	`CREATE INDEX orders_placed ON orders(placed_at);
	CREATE INDEX orders_status ON orders((CASE
		WHEN cancelled THEN 'cancelled'
		WHEN payment_status = 'refunded' THEN 'refunded'
		WHEN fulfillment_status IN ('delivered', 'shipped', 'partial') THEN fulfillment_status
		WHEN payment_status IN ('paid', 'partially_refunded') THEN 'paid'
		WHEN payment_status IN ('pending', 'failed', 'voided') THEN payment_status
		ELSE 'open' END), placed_at);`,

	// 5: the owner's tags on a customer ("vip", "mayorista"), as typed, in
	// the owner's order; tag_key is the tag lower-cased, so that "VIP" and
	// "vip" are one tag (SQLite's NOCASE folds ASCII only). customer_tag_key
	// finds the customers with a tag (a "#vip" search).
	`CREATE TABLE customer_tag (
		customer_id INTEGER NOT NULL REFERENCES customer(id),
		tag_key     TEXT NOT NULL,
		tag         TEXT NOT NULL,
		position    INTEGER NOT NULL,
		PRIMARY KEY(customer_id, tag_key)
	) WITHOUT ROWID;
	CREATE INDEX customer_tag_key ON customer_tag(tag_key);`,

	// 6: two customers who are one person, merged (MergeCustomers). The
	// other customer's row stays, hidden, so that its address and its id
	// keep meaning the kept customer; what the merge moved and filled is
	// recorded, so that UnmergeCustomers undoes exactly that. filled_* are
	// the values the merge wrote into the kept customer's empty fields
	// (NULL: none); other_email is the other's address when merged (it moves
	// to the kept customer when that one had none).
	`CREATE TABLE customer_merge (
		id           INTEGER PRIMARY KEY,
		keep_id      INTEGER NOT NULL REFERENCES customer(id),
		other_id     INTEGER NOT NULL REFERENCES customer(id),
		other_email  TEXT,
		filled_email TEXT,
		filled_name  TEXT,
		filled_phone TEXT,
		filled_notes TEXT,
		merged_at    TEXT NOT NULL,
		unmerged_at  TEXT                -- NULL: still merged
	);
	-- A customer is merged away once at a time.
	CREATE UNIQUE INDEX customer_merge_other ON customer_merge(other_id) WHERE unmerged_at IS NULL;
	CREATE INDEX customer_merge_keep ON customer_merge(keep_id) WHERE unmerged_at IS NULL;

	-- The orders and appointments a merge moved to the kept customer.
	CREATE TABLE customer_merge_row (
		merge_id INTEGER NOT NULL REFERENCES customer_merge(id),
		kind     TEXT NOT NULL,          -- order appointment
		row_id   INTEGER NOT NULL,
		PRIMARY KEY(merge_id, kind, row_id)
	) WITHOUT ROWID;

	-- The tags a merge gave the kept customer.
	CREATE TABLE customer_merge_tag (
		merge_id INTEGER NOT NULL REFERENCES customer_merge(id),
		tag_key  TEXT NOT NULL,
		PRIMARY KEY(merge_id, tag_key)
	) WITHOUT ROWID;`,
}}
