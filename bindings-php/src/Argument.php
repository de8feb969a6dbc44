<?php

declare(strict_types=1);

namespace Vibergate;

/**
 * A parameter of a PHP method whose array goes to the library as JSON. It knows the names only,
 * never the value (its methods that take the value mark it #[\SensitiveParameter]), so that an
 * exception's trace cannot show a token through it.
 *
 * The library speaks of JSON and C arguments (`vg_send: message_json: unknown field "txt" (did
 * you mean "text"?)`); a PHP caller wrote an array and reads `Vibergate\Client::send(): unknown
 * key $message['txt'] (did you mean 'text'?)`.
 *
 * @internal
 */
final class Argument
{
    /**
     * @param string $method the PHP method, e.g. `Vibergate\Client::send` (__METHOD__)
     * @param string $name the PHP parameter without `$`
     * @param string $cName the C argument it becomes, e.g. `message_json`
     * @param bool $keyed an array with string keys (a JSON object) rather than a list
     * @param string $code the error code of a bad value: `invalid_message` or `invalid_config`
     */
    public function __construct(
        public readonly string $method,
        public readonly string $name,
        public readonly string $cName,
        public readonly bool $keyed = true,
        public readonly string $code = 'invalid_message',
    ) {
    }

    /** The array as JSON, or an exception naming what PHP cannot encode and where. */
    public function json(#[\SensitiveParameter] array $value): string
    {
        if ($this->keyed && $value !== [] && array_is_list($value)) {
            throw $this->error("\${$this->name} must be an array with string keys (['to' => [...], 'text' => '...']), not a list", $this->name);
        }
        $plain = $this->keyed ? (object) $value : array_values($value);
        try {
            return Native::json($plain);
        } catch (\JsonException $e) {
            [$path, $why] = self::unencodable($value) ?? [[], $e->getMessage()];
            throw $this->error($this->phpPath($path) . " $why", $path === [] ? $this->name : implode('.', $path));
        }
    }

    /** Where in `$value` a value JSON cannot carry is, and why: [path, reason] or null. */
    private static function unencodable(#[\SensitiveParameter] mixed $value, array $path = []): ?array
    {
        if (is_string($value)) {
            return preg_match('//u', $value) === 1 ? null : [$path, 'is not valid UTF-8 text'];
        }
        if (is_float($value)) {
            return is_finite($value) ? null : [$path, 'is not a finite number'];
        }
        if (is_resource($value) || $value instanceof \Closure) {
            return [$path, 'is a ' . get_debug_type($value) . ', which cannot be sent'];
        }
        if (is_array($value)) {
            foreach ($value as $key => $item) {
                if (is_string($key) && preg_match('//u', $key) !== 1) {
                    return [$path, 'has a key that is not valid UTF-8 text'];
                }
                $found = self::unencodable($item, [...$path, (string) $key]);
                if ($found !== null) {
                    return $found;
                }
            }
        }
        return null;
    }

    /** `$message['sms_fallback']['text']` for the path `sms_fallback.text` (or `items[1].text`). */
    public function phpPath(array|string $path): string
    {
        if (is_string($path)) {
            preg_match_all('/[^.\[\]]+/', $path, $m);
            $path = $m[0];
        }
        $out = '$' . $this->name;
        foreach ($path as $step) {
            $out .= ctype_digit((string) $step) ? "[$step]" : "['$step']";
        }
        return $out;
    }

    private function error(string $what, string $field): VibergateException
    {
        return VibergateException::fromDetails([
            'code' => $this->code,
            'message' => "{$this->method}(): $what",
            'field' => $field,
        ]);
    }

    /**
     * The library's error about this argument, reworded for PHP: the PHP method and
     * parameter instead of the C function and argument, array keys instead of JSON fields,
     * PHP's types instead of JSON's. Other errors come back as they are.
     */
    public function translate(VibergateException $e, string $function): VibergateException
    {
        $prefix = "$function: {$this->cName}";
        $message = $e->details['message'] ?? '';
        if (!str_starts_with($message, $prefix)) {
            return $e;
        }
        $rest = substr($message, strlen($prefix));
        $field = $e->details['field'] ?? null;
        $path = ($field === null || $field === $this->cName) ? '' : $field;
        if (str_starts_with($rest, ': ')) {
            $rest = substr($rest, 2);
            // `unknown field "txt" in "sms_fallback"` names the key by its full path (the field).
            $rest = preg_replace_callback(
                '/^unknown (?:field|option)(?: "[^"]*")?(?: in "[^"]*")?/',
                fn () => 'unknown key' . ($path === '' ? '' : ' ' . $this->phpPath($path)),
                $rest,
            );
            // `"to" must be …`, `"button" needs …`: the value at that path.
            $rest = preg_replace_callback('/^"([^"]+)" /', fn ($m) => $this->phpPath($m[1]) . ' ', $rest);
            $rest = preg_replace('/^the value /', '$' . $this->name . ' ', $rest);
            $rest = strtr($rest, [
                'the fields are' => 'the keys are',
                'the options are' => 'the keys are',
                'there are no fields here' => 'no keys are allowed here',
                'needs the field' => 'needs the key',
                'needs the option' => 'needs the key',
                'the field "' => 'the key "',
                'the option "' => 'the key "',
            ]);
            $rest = preg_replace('/"([^"]*)"/', "'$1'", $rest);
        } else {
            $rest = '$' . $this->name . $rest;
        }
        // JSON's kinds in PHP's words.
        $rest = strtr($rest, [
            'a whole number, 0 or more' => 'an int >= 0',
            'a whole number' => 'an int',
            'true or false' => 'a bool',
            'an array of strings or numbers' => 'a list of strings or ints',
            'an array' => 'a list',
            'an object' => 'an array with string keys',
        ]);
        $details = ['message' => "{$this->method}(): $rest", 'field' => $path === '' ? $this->name : $path] + $e->details;
        return VibergateException::fromDetails($details);
    }
}
