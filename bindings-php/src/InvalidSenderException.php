<?php

declare(strict_types=1);

namespace Vibergate;

/** The error code `invalid_sender` (one class per code of vg_tables()'s error_codes; a test checks). */
class InvalidSenderException extends VibergateException
{
}
