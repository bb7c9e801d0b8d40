# filter.sed - remove what changes from run to run from mqfsck's output
# before it is compared with a fixture's expect file.
s/ ([0-9][0-9]*\.[0-9][0-9]* s)$/ (TIME)/
# Free space and process ids depend on the machine.
s/[0-9][0-9]* blocks free, fewer than/N blocks free, fewer than/
s/sendmail is running (pid [0-9]*/sendmail is running (pid N/
# The device and inode a copy's file has.
s|, but it is [0-9]*/[0-9]*/[0-9]*:|, but it is DEV/INO:|
s/#[0-9][0-9]*/#INODE/g
s|records its data file as [0-9]*/[0-9]*/[0-9]* |records its data file as DEV/INO |
# The I line a repair writes: the copy's device and inode.
s|I[0-9]*/[0-9]*/[0-9]*, the data file's|IDEV/INO, the data file's|
s|lost+found/#[0-9][0-9]* back to|lost+found/#INODE back to|
s|/#[0-9][0-9]* back to|/#INODE back to|
s/"seconds":[0-9][0-9.]*,/"seconds":TIME,/
