/*
 * paths.h - the compiled-in paths: where the system keeps configuration
 * (SYSCONFDIR), state (LOCALSTATEDIR) and run-time files (RUNSTATEDIR).
 * The Makefile passes them (make SYSCONFDIR=... and so on); these
 * defaults are its own, for a file compiled alone.  mqfsck -V shows them.
 */
#ifndef MQ_PATHS_H
#define MQ_PATHS_H

#ifndef MQ_SYSCONFDIR
#define MQ_SYSCONFDIR "/etc"
#endif
#ifndef MQ_LOCALSTATEDIR
#define MQ_LOCALSTATEDIR "/var"
#endif
#ifndef MQ_RUNSTATEDIR
#define MQ_RUNSTATEDIR MQ_LOCALSTATEDIR "/run"
#endif

#endif /* MQ_PATHS_H */
