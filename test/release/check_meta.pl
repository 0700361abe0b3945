#!/usr/bin/perl
# check_meta.pl VERSION — the release metadata agrees with sla.control's default_version (the one
# place the version is written): META.json is valid PGXN meta spec 1.0.0 (its required keys,
# value formats and no unknown top-level keys) with that version for the distribution and for
# every extension it provides, CHANGELOG.md has a section for it, LICENSE exists.
# `make dist` runs it before packing; exits non-zero with one line per problem.
use strict;
use warnings;
use JSON::PP;

my $version = shift or die "usage: $0 VERSION\n";
my @problems;
my $semver = qr/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
my $term = qr/^[^\s\/\\:]{2,}$/;

open my $fh, '<', 'META.json' or die "META.json: $!\n";
my $meta = eval { local $/; JSON::PP->new->decode(<$fh>) } or die "META.json is not JSON: $@";

for my $k (qw(name version abstract maintainer license provides meta-spec)) {
	push @problems, "META.json lacks the required key $k" unless exists $meta->{$k};
}
my %known = map { $_ => 1 } qw(name version abstract maintainer license provides meta-spec description
	generated_by tags no_index prereqs release_status resources);
for my $k (sort keys %$meta) {
	push @problems, "META.json has an unknown key $k" unless $known{$k} || $k =~ /^[xX]_./;
}
push @problems, "META.json name is not a term" unless ($meta->{name} // '') =~ $term;
push @problems, "META.json version $meta->{version} is not sla.control's $version"
	unless ($meta->{version} // '') eq $version;
push @problems, "META.json version is not SemVer" unless ($meta->{version} // '') =~ $semver;
push @problems, "META.json abstract is empty" unless length($meta->{abstract} // '');
my $m = $meta->{maintainer};
push @problems, "META.json maintainer is neither a name nor a list of names"
	unless (defined $m && !ref $m && length $m) || (ref $m eq 'ARRAY' && @$m && !grep { ref || !length } @$m);
my %licenses = map { $_ => 1 } qw(agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2 bsd freebsd
	gfdl_1_2 gfdl_1_3 gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit mozilla_1_0 mozilla_1_1 openssl perl_5
	postgresql qpl_1_0 ssleay sun zlib open_source restricted unrestricted unknown);
my $l = $meta->{license};
push @problems, "META.json license is not one of the spec's names"
	unless (defined $l && !ref $l && $licenses{$l}) || (ref $l eq 'HASH' && %$l);
my $p = $meta->{provides};
if (ref $p eq 'HASH' && %$p) {
	for my $ext (sort keys %$p) {
		my $e = $p->{$ext};
		push @problems, "META.json provides $ext: not a term" unless $ext =~ $term;
		push @problems, "META.json provides $ext: file $e->{file} does not exist"
			unless defined $e->{file} && -f $e->{file};
		push @problems, "META.json provides $ext: version is not sla.control's $version"
			unless ($e->{version} // '') eq $version;
		push @problems, "META.json provides $ext: docfile $e->{docfile} does not exist"
			if defined $e->{docfile} && !-f $e->{docfile};
	}
} else {
	push @problems, "META.json provides is not a non-empty object";
}
my $spec = $meta->{'meta-spec'};
push @problems, "META.json meta-spec version is not 1.0.0"
	unless ref $spec eq 'HASH' && ($spec->{version} // '') eq '1.0.0';
push @problems, "META.json release_status is not stable, testing or unstable"
	if defined $meta->{release_status} && $meta->{release_status} !~ /^(stable|testing|unstable)$/;
if (my $pr = $meta->{prereqs}) {
	for my $phase (keys %$pr) {
		push @problems, "META.json prereqs phase $phase is unknown" unless $phase =~ /^(configure|build|test|runtime|develop)$/;
		for my $rel (keys %{$pr->{$phase}}) {
			push @problems, "META.json prereqs $phase.$rel is unknown" unless $rel =~ /^(requires|recommends|suggests|conflicts)$/;
		}
	}
}

open my $ch, '<', 'CHANGELOG.md' or die "CHANGELOG.md: $!\n";
push @problems, "CHANGELOG.md has no section for $version" unless grep { /^## \[?\Q$version\E\]?\b/ } <$ch>;
push @problems, "LICENSE is missing" unless -f 'LICENSE';

if (@problems) { print "not ok - $_\n" for @problems; exit 1; }
print "ok - META.json, CHANGELOG.md and LICENSE agree with version $version\n";
