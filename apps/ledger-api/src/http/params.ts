import { Injectable, type PipeTransform } from '@nestjs/common';
import { Problem } from './problem';
import { IDENTIFIER } from './validators';

/** Path identifiers (subjectId, authorizationId, contactKey) are opaque tokens, never free text. */
@Injectable()
export class IdentifierPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: { data?: string }): string {
    if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
      const field = metadata.data ?? 'id';
      throw Problem.badRequest(`The path parameter ${field} is not valid.`, [{ field, message: 'must be 1-128 characters of A-Z a-z 0-9 . _ -' }]);
    }
    return value;
  }
}
