<?php

declare(strict_types=1);

namespace Vibergate;

/** The error code `invalid_message` (one class per code of vg_tables()'s error_codes; a test checks). */
class InvalidMessageException extends VibergateException
{
}
