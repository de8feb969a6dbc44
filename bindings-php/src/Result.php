<?php

declare(strict_types=1);

namespace Vibergate;

/**
 * A result of the library, typed: readonly properties in camelCase (`$report->accepted[0]->messageId`).
 *
 * It also reads as the library's JSON object did before these classes existed:
 * `$report['accepted'][0]['message_id']` gives the plain arrays, and toArray() the whole of it,
 * so code written against arrays keeps working. Nothing can be written through either.
 *
 * @implements \ArrayAccess<string, mixed>
 */
abstract class Result implements \ArrayAccess, \JsonSerializable
{
    /** @param array<string, mixed> $data the library's JSON object */
    protected function __construct(private readonly array $data)
    {
    }

    /**
     * The typed result of the library's JSON object.
     *
     * @param array<string, mixed> $data
     */
    public static function from(array $data): static
    {
        return new static($data);
    }

    /** @return array<string, mixed> the library's JSON object, keys in snake_case */
    public function toArray(): array
    {
        return $this->data;
    }

    public function jsonSerialize(): array
    {
        return $this->data;
    }

    public function offsetExists(mixed $offset): bool
    {
        return isset($this->data[$offset]);
    }

    public function offsetGet(mixed $offset): mixed
    {
        if (!array_key_exists($offset, $this->data)) {
            throw new \OutOfBoundsException(static::class . " has no key '$offset' (the keys are: " . implode(', ', array_keys($this->data)) . ')');
        }
        return $this->data[$offset];
    }

    public function offsetSet(mixed $offset, mixed $value): never
    {
        throw new \LogicException(static::class . ' is read-only');
    }

    public function offsetUnset(mixed $offset): never
    {
        throw new \LogicException(static::class . ' is read-only');
    }

    /**
     * @template T of Result
     * @param class-string<T> $class
     * @return list<T>
     */
    protected static function all(string $class, mixed $items): array
    {
        return array_map(fn (array $item) => $class::from($item), is_array($items) ? array_values($items) : []);
    }
}
