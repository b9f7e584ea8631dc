package main

// plural writes n, in groups of three digits, with the word one for a
// single thing and many otherwise: 1 row, 2 rows, 1,500 rows.
func plural(n int, one, many string) string {
	if n == 1 || n == -1 {
		return thousands(n) + " " + one
	}
	return thousands(n) + " " + many
}

// verb picks the form of a verb that agrees with n: is or are, was or
// were.
func verb(n int, one, many string) string {
	if n == 1 || n == -1 {
		return one
	}
	return many
}
