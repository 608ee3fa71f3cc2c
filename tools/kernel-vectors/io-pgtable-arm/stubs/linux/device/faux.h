#include "../../kstub-iopt.h"
