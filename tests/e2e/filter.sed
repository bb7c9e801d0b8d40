# filter.sed - remove what changes from run to run from mqfsck's output
# before it is compared with a fixture's expect file.
s/ ([0-9][0-9]*\.[0-9][0-9]* s)$/ (TIME)/
