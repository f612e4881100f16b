MODULES += natping
natping_SRCS := natping.c ping.c
natping_CFLAGS :=
natping_LIBS :=
