import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { findForm, type FormTemplate, PUBLISHED_FORMS, templateSha256 } from '@app/documents';
import { Scopes } from '../../http/auth';
import { Problem } from '../../http/problem';

const summary = (form: FormTemplate) => ({
  formId: form.formId,
  version: form.version,
  kind: form.kind,
  title: form.title,
  publishedOn: form.publishedOn,
  regulation: form.regulation,
  templateSha256: templateSha256(form),
  url: `/v1/forms/${form.formId}/${form.version}`,
});

@ApiTags('forms')
@ApiBearerAuth()
@Controller('v1/forms')
export class FormsController {
  @Get()
  @Scopes()
  @ApiOperation({ summary: 'Every published form version (any valid token).' })
  list(): { forms: ReturnType<typeof summary>[] } {
    return { forms: PUBLISHED_FORMS.map(summary) };
  }

  @Get(':formId/:version')
  @Scopes()
  @ApiOperation({ summary: 'One published form version: its text, required elements and statements, each with its rule.' })
  get(@Param('formId') formId: string, @Param('version') version: string): object {
    const form = findForm(formId, version);
    if (!form) throw Problem.notFound('No such published form version.');
    return { ...summary(form), introduction: form.introduction, elements: form.elements, statements: form.statements };
  }
}
