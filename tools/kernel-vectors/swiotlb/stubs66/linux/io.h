#include "kstub.h"
