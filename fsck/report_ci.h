/*
 * report_ci.h - --format junit and --format tap: one test case per job
 * and per queue directory's path check, a failure per problem found
 * (report_ci.c).
 */
#ifndef MQ_REPORT_CI_H
#define MQ_REPORT_CI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ci_report;

/* ci_begin - the report's head on out (TAP when tap, else JUnit XML);
 * NULL when out of memory */
struct ci_report *ci_begin(FILE *out, bool tap);

/* ci_problem - a problem (a notice when notice) about job id ("" for
 * none) of queue; queue, id and msg escaped for people already */
void ci_problem(struct ci_report *ci, const char *queue, const char *id,
    unsigned code, const char *name, bool notice, const char *msg);

/* ci_job - job id of queue was judged, with findings problems and
 * notices: its test case */
void ci_job(struct ci_report *ci, const char *queue, const char *id,
    unsigned long findings);

/* ci_error - something prevented checking: a failure of the run */
void ci_error(struct ci_report *ci, const char *what, const char *why);

/* ci_end - each queue's path test case, what is left, the report's
 * end; frees ci */
void ci_end(struct ci_report *ci, const char *const *queues, size_t nqueues);

#endif /* MQ_REPORT_CI_H */
