<?php

declare(strict_types=1);

namespace Vibergate;

/** The error code `insufficient_funds` (one class per code of vg_tables()'s error_codes; a test checks). */
class InsufficientFundsException extends VibergateException
{
}
