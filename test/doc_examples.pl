#!/usr/bin/perl
use utf8;
binmode STDOUT, ":utf8";
# doc_examples.pl — runs every ```sql block of the given Markdown files against the database in
# $PGDATABASE (one psql session per file, in order) and checks each statement that ends with a
# comment of the form `;  -- expected output` against psql's unaligned output.  Exits non-zero on
# any SQL error or mismatch, so the docs' examples stay true.
use strict;
use warnings;

my ($checked, $failed) = (0, 0);
for my $file (@ARGV) {
	open my $fh, '<:encoding(UTF-8)', $file or die "$file: $!";
	my ($in_sql, @stmts, $buf) = (0);
	$buf = '';
	while (my $line = <$fh>) {
		if ($line =~ /^```sql\s*$/) { $in_sql = 1; next; }
		if ($in_sql && $line =~ /^```/) { $in_sql = 0; next; }
		next unless $in_sql;
		next if $line =~ /^\s*--/ && $buf eq '';
		$buf .= $line;
		if ($line =~ /;\s*(?:--\s*(.*?))?\s*$/) {
			my $expect = $1;
			(my $sql = $buf) =~ s/;\s*--.*$/;/s;
			$expect =~ s/^→\s*// if defined $expect;
			push @stmts, [$sql, $expect];
			$buf = '';
		}
	}
	close $fh;
	next unless @stmts;
	# run the statements, with a marker before each checked one
	my $script = "\\set ON_ERROR_STOP 1\n";
	for my $i (0 .. $#stmts) {
		my $expect = $stmts[$i][1];
		if (defined $expect && $expect =~ /^ERROR /) {
			# an example that must fail: report its SQLSTATE and message instead of stopping
			$script .= "\\set ON_ERROR_STOP 0\n\\set VERBOSITY verbose\n\\echo \@\@$i\n$stmts[$i][0]"
				. "\\set VERBOSITY default\n\\set ON_ERROR_STOP 1\n";
			next;
		}
		$script .= "\\echo \@\@$i\n" if defined $expect;
		$script .= $stmts[$i][0];
	}
	my $tmp = "/tmp/doc_examples.$$.sql";
	open my $out, '>:encoding(UTF-8)', $tmp or die; print $out $script; close $out;
	my $output = `psql -X -q -At -f $tmp 2>&1`;
	my $rc = $? >> 8;
	utf8::decode($output);
	unlink $tmp;
	if ($rc != 0) {
		print "not ok - $file: SQL failed\n$output\n";
		$failed++;
		next;
	}
	my %got;
	my $cur;
	for my $l (split /\n/, $output) {
		if ($l =~ /^\@\@(\d+)$/) { $cur = $1; $got{$cur} = undef; next; }
		$got{$cur} = defined $got{$cur} ? "$got{$cur}\n$l" : $l if defined $cur && !defined $got{$cur};
	}
	for my $i (0 .. $#stmts) {
		next unless defined $stmts[$i][1];
		$checked++;
		my $g = defined $got{$i} ? $got{$i} : '';
		my $want = $stmts[$i][1];
		if ($want =~ /^ERROR /) {
			# "psql:file:line: ERROR:  22023: message" -> "ERROR 22023: message"; a trailing
			# parenthesised note in the doc (detail, hint) is not compared
			$g =~ s/^psql:[^ ]*: //;
			$g =~ s/^ERROR:  (\w{5}): /ERROR $1: /;
			$want =~ s/ \((?:DETAIL|HINT)[^)]*\)?.*$//;
		}
		if ($g ne $want) {
			$failed++;
			print "not ok - $file: $stmts[$i][0]  got: $g\n  want: $stmts[$i][1]\n";
		}
	}
}
print "doc examples: $checked checked, $failed failed\n";
exit($failed ? 1 : 0);
