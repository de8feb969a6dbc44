<?php

declare(strict_types=1);

namespace Vibergate;

/** The error code `invalid_config` (one class per code of vg_tables()'s error_codes; a test checks). */
class InvalidConfigException extends VibergateException
{
}
