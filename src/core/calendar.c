/* calendar.c — being written */
typedef int sla_calendar_placeholder;
