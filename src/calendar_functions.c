/* being written */
#include "postgres.h"
