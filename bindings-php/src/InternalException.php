<?php

declare(strict_types=1);

namespace Vibergate;

/** The error code `internal` (one class per code of vg_tables()'s error_codes; a test checks). */
class InternalException extends VibergateException
{
}
