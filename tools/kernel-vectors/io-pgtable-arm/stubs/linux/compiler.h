#include "../kstub-iopt.h"
