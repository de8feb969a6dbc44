<?php

declare(strict_types=1);

namespace Vibergate;

/** The error code `invalid_text` (one class per code of vg_tables()'s error_codes; a test checks). */
class InvalidTextException extends VibergateException
{
}
